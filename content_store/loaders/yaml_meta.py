"""YAML metadata blocks: splitting Markdown front matter and parsing a YAML mapping."""

from __future__ import annotations

import yaml

from content_store.loaders.model import BadContent
from content_store.loaders.reading import human_size

_DELIMITER = "---"
_CLOSERS = ("---", "...")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split Markdown into (front matter YAML, body, line number where the YAML starts).

    Raises BadContent when there is no complete `---` block at the top.
    """
    lines = text.split("\n")
    start = 0
    # Leading blank lines are harmless; anything else before `---` means no front matter.
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].rstrip() != _DELIMITER:
        raise BadContent("no YAML front matter (--- block) at the top")
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() in _CLOSERS:
            yaml_text = "\n".join(lines[start + 1 : end])
            body = "\n".join(lines[end + 1 :])
            return yaml_text, body, start + 2
    raise BadContent("front matter starts with --- but has no closing --- line")


# libyaml's loader is ~10x faster on a large library; same safe subset of YAML.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Metadata is a handful of short fields. These bounds keep hostile YAML cheap to reject:
# megabytes of front matter, "billion laughs" aliases (safe_load shares aliased values, but
# anything that walks or prints them expands each reference), and nesting deep enough to
# exhaust the recursion limit while building the value.
MAX_METADATA_CHARS = 64_000
MAX_NESTING = 10


def parse_mapping(text: str, *, what: str, first_line: int = 1) -> dict[str, object]:
    """Parse YAML that must be a mapping; keys are lower-cased, non-string keys dropped.

    `what` names the block in messages ("front matter", "sidecar x.yml"); `first_line` is the
    file line the YAML text starts on, so error line numbers match what the author sees.
    """
    if len(text) > MAX_METADATA_CHARS:
        raise BadContent(
            f"{what} is {human_size(len(text))}; metadata is limited to "
            f"{human_size(MAX_METADATA_CHARS)}"
        )
    try:
        try:
            _check_shape(text, what, _SAFE_LOADER)
            data = yaml.load(text, Loader=_SAFE_LOADER)
        except yaml.YAMLError:
            # Bad YAML is rare: parse again in pure Python, whose messages point at the right line.
            _check_shape(text, what, yaml.SafeLoader)
            data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + first_line}: " if mark is not None else ""
        detail = exc.problem or exc.context or "unreadable"
        raise BadContent(f"{what} is not valid YAML ({where}{detail})") from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        # ValueError: PyYAML builds dates eagerly, so `2027-02-30` fails here, not later.
        raise BadContent(f"{what} is not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadContent(f"{what} must be a YAML mapping of fields, got {describe(data)}")
    return {key.strip().lower(): value for key, value in data.items() if isinstance(key, str)}


def _check_shape(text: str, what: str, loader: type) -> None:
    """Refuse aliases and deep nesting from the parser's events, before any value is built."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise BadContent(
                f"{what} uses a YAML alias (*{event.anchor}); write the value out instead"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise BadContent(
                    f"{what} nests lists or mappings more than {MAX_NESTING} levels deep; "
                    "fields are words or lists of words"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def describe(value: object) -> str:
    """A short phrase for a YAML value of the wrong kind."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value; quote it to make it text)"
    text = repr(value)
    # A value is quoted back to its author; a megabyte of it would drown the report.
    return text if len(text) <= 80 else text[:77] + "..."
