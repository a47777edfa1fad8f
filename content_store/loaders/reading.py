"""Size-guarded reading of library files and strict UTF-8 decoding."""

from __future__ import annotations

from pathlib import Path

from content_store.loaders.model import BadContent

# Module-level so tests (and deployments) can lower it; read at call time.
MAX_FILE_BYTES = 20_000_000


def human_size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{n} bytes"


def read_bytes(path: Path) -> bytes:
    """Return the file's bytes, refusing files over MAX_FILE_BYTES before reading them."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadContent(f"file is {human_size(size)}; the limit is {human_size(MAX_FILE_BYTES)}")
    data = path.read_bytes()
    # The file may have grown between stat and read.
    if len(data) > MAX_FILE_BYTES:
        raise BadContent(
            f"file is {human_size(len(data))}; the limit is {human_size(MAX_FILE_BYTES)}"
        )
    return data


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (a BOM is accepted) with newlines normalised to '\\n'."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadContent(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if "\x00" in text:
        raise BadContent("not UTF-8 text (contains NUL bytes, so it looks like binary data)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path) -> str:
    return decode_text(read_bytes(path))


def first_line(text: str, limit: int = 200) -> str | None:
    """The first non-empty line, trimmed and cut to `limit` characters: a fallback title."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line[:limit].rstrip()
    return None
