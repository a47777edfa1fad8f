"""Metadata rules from a library's funnelbot.yml: URL or folder patterns that give items fields.

    rules:
      - match: "/customers/*"
        type: case-study
        stage: [consideration, decision]

An item's own metadata (page tags, a Drive file's description) wins over the rules; among rules,
the first that matches and sets a field wins.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from content_store.errors import InputError

CONFIG_NAME = "funnelbot.yml"
RULE_FIELDS = frozenset(
    {
        "type",
        "stage",
        "stages",
        "tags",
        "competitors",
        "owner",
        "review_by",
        "status",
        "superseded_by",
        "internal",
        "expires",
    }
)


class RulesError(InputError, ValueError):
    """funnelbot.yml's rules are malformed; the message names the file and the rule."""


def read_rules(folder: Path) -> list[dict[str, object]]:
    """The `rules` of a folder's funnelbot.yml ([] without one); raises RulesError if bad."""
    path = folder / CONFIG_NAME
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{path}{where}: not valid YAML") from None
    if not isinstance(data, Mapping):
        return []
    return validate_rules(data.get("rules"), source=str(path))


def validate_rules(raw: object, *, source: str) -> list[dict[str, object]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RulesError(f"{source}: `rules` must be a list of {{match: PATTERN, field: value}}")
    rules: list[dict[str, object]] = []
    for number, rule in enumerate(raw, start=1):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("match"), str):
            raise RulesError(f"{source}: rule {number} needs `match: PATTERN` (like /blog/*)")
        unknown = sorted(str(k) for k in rule if k != "match" and k not in RULE_FIELDS)
        if unknown:
            known = ", ".join(sorted(RULE_FIELDS))
            raise RulesError(
                f"{source}: rule {number} has unknown field(s) {', '.join(unknown)} "
                f"(known: {known})"
            )
        rules.append({str(k): v for k, v in rule.items()})
    return rules


def rule_fields(rules: Sequence[Mapping[str, object]], location: str) -> dict[str, object]:
    """The fields the rules give an item at `location` (a URL, or a folder path in Drive)."""
    try:
        path = urlsplit(location).path if "://" in location else location
    except ValueError:
        path = location
    fields: dict[str, object] = {}
    for rule in rules:
        pattern = str(rule["match"])
        target = location if "://" in pattern else path
        if fnmatch.fnmatchcase(target, pattern) or fnmatch.fnmatchcase(target.rstrip("/"), pattern):
            for key, value in rule.items():
                if key != "match":
                    fields.setdefault("stages" if key == "stage" else key, value)
    return fields
