"""Turning a raw metadata mapping (front matter, sidecar or catalog row) into clean fields."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from content_store.loaders.model import Metadata
from content_store.loaders.yaml_meta import describe
from content_store.stage import STAGE_ORDER, Stage, parse_stage

_TEXT_SCALARS = (str, int, float, datetime.date)
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def read_metadata(
    raw: Mapping[str, object],
    *,
    default_id: str | None,
    default_title: str | None,
    default_type: str,
    separators: str = ",;",
    location: str = "",
) -> tuple[Metadata | None, list[str]]:
    """Return (metadata, []) or (None, reasons); every bad field is reported, not just the first.

    `separators` split list fields given as one string ("pricing, security"). `location` (a
    relative path or a URL) makes an item in an `archive`/`archived` folder archived unless its
    `status` says otherwise.
    """
    errors: list[str] = []
    item_id = _required(raw, "id", default_id, errors)
    title = _required(raw, "title", default_title, errors)
    url = _url(raw, errors)
    owner = _text(raw, "owner", errors)
    type_ = _text(raw, "type", errors)
    stages = _stages(raw, errors, separators)
    tags = _dedupe(word.lower() for word in _words(raw, "tags", errors, separators))
    competitors = _dedupe(_words(raw, "competitors", errors, separators))
    review_by = _date(raw, "review_by", errors)
    status = _status(raw, errors, tags, location)
    superseded_by = _text(raw, "superseded_by", errors)
    internal = _flag(raw, "internal", errors)
    expires = _date(raw, "expires", errors)
    if errors or not item_id or not title:
        return None, list(dict.fromkeys(errors))  # the same unknown stage twice: one report
    meta = Metadata(
        id=item_id,
        title=title,
        url=url,
        type=re.sub(r"\s+", "-", type_.lower()) if type_ else default_type,
        stages=stages,
        tags=tags,
        competitors=competitors,
        owner=owner,
        review_by=review_by,
        status=status,
        superseded_by=superseded_by if superseded_by != item_id else None,
        internal=internal,
        expires=expires,
    )
    return meta, []


STATUSES = ("draft", "published", "archived")
_ARCHIVE_SEGMENTS = frozenset({"archive", "archived"})


def _status(
    raw: Mapping[str, object], errors: list[str], tags: tuple[str, ...], location: str
) -> str:
    given = _text(raw, "status", errors)
    if given is not None:
        status = given.lower()
        if status not in STATUSES:
            errors.append(f"`status` must be one of {', '.join(STATUSES)}, got {given!r:.80}")
            return "published"
        return status
    if "archived" in tags:
        return "archived"
    try:
        path = urlsplit(location).path if "://" in location else location
    except ValueError:  # a malformed URL is reported by `url`; no folder to read from it
        path = ""
    segments = {part.lower() for part in re.split(r"[/\\]", path)[:-1]}
    return "archived" if segments & _ARCHIVE_SEGMENTS else "published"


def _flag(raw: Mapping[str, object], key: str, errors: list[str]) -> bool:
    value = raw.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no", ""):
        return value.strip().lower() in ("true", "yes")
    errors.append(f"`{key}` must be true or false, got {describe(value)}")
    return False


def _required(
    raw: Mapping[str, object], key: str, default: str | None, errors: list[str]
) -> str | None:
    before = len(errors)
    value = _text(raw, key, errors) or default
    # A wrongly typed value is already reported; "missing" on top would mislead.
    if not value and len(errors) == before:
        errors.append(f"missing required field '{key}'")
    return value


def _text(raw: Mapping[str, object], key: str, errors: list[str]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _TEXT_SCALARS):
        errors.append(f"`{key}` must be text, got {describe(value)}")
        return None
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return text.strip() or None


def _url(raw: Mapping[str, object], errors: list[str]) -> str | None:
    # Answers link the url: `javascript:` or `file:` there would reach every rep who clicks.
    url = _text(raw, "url", errors)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        usable = False
    if not usable or _SPACE.search(url):
        errors.append(
            f"`url` must be an http(s) link like https://example.com/page, got {url!r:.80}"
        )
        return None
    return url


def _words(raw: Mapping[str, object], key: str, errors: list[str], separators: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[object] = (
            re.split(f"[{re.escape(separators)}]", value) if separators else [value]
        )
    elif isinstance(value, list):
        parts = value
    else:
        parts = [value]
    words: list[str] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, bool) or not isinstance(part, _TEXT_SCALARS):
            errors.append(f"`{key}` must be a word or a list of words, got {describe(part)}")
            # One report per field; a huge nested value would otherwise repeat it endlessly.
            return []
        word = str(part).strip()
        if word:
            words.append(word)
    return words


def _stages(raw: Mapping[str, object], errors: list[str], separators: str) -> tuple[Stage, ...]:
    # `stages:` is a natural slip for `stage:`; unknown keys are ignored, so accept both.
    if "stage" in raw and "stages" in raw:
        errors.append("both `stage` and `stages` are set; keep one")
        return ()
    key = "stages" if "stages" in raw else "stage"
    found: set[Stage] = set()
    for word in _words(raw, key, errors, separators):
        try:
            found.add(parse_stage(word))
        except ValueError as exc:
            errors.append(str(exc))
    return tuple(stage for stage in STAGE_ORDER if stage in found)


def _dedupe(words: Iterable[str]) -> tuple[str, ...]:
    # Case-insensitive, first spelling kept: "Acme" and "acme" are one competitor.
    seen: dict[str, str] = {}
    for word in words:
        seen.setdefault(word.casefold(), word)
    return tuple(seen.values())


def _date(raw: Mapping[str, object], key: str, errors: list[str]) -> datetime.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    # describe(), not repr(): a list of aliased lists would expand to billions of items.
    errors.append(f"`{key}` must be a date like 2027-03-01, got {describe(value)}")
    return None
