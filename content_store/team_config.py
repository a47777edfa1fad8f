"""A team's ``funnelbot.yml``: its own words for types, industries, competitors and stages.

The file is optional and sits at the root of the content library. Everything in it is
vocabulary a question can use; nothing company-specific lives in code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from content_store.errors import InputError
from content_store.stage import parse_stage

CONFIG_NAME = "funnelbot.yml"
# Word lists keyed by a name (type id, industry tag, stage) and plain lists.
_KEYED = ("types", "industries", "stages")
_LISTS = ("competitors", "products")
# Read by other parts (content sources, CRM); only checked for their shape here.
_OTHER: dict[str, type] = {"rules": list, "crm": dict}


class TeamConfigError(InputError, ValueError):
    """``funnelbot.yml`` is malformed; the message names the file and the key."""


def read_team_config(folder: Path) -> dict[str, Any]:
    """The validated ``funnelbot.yml`` of a content folder, or {} if it has none."""
    path = folder / CONFIG_NAME
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise TeamConfigError(f"{path}{where}: not valid YAML") from None
    return validate_team_config(data, source=str(path))


def validate_team_config(data: object, *, source: str = CONFIG_NAME) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise TeamConfigError(f"{source}: expected keys such as types, industries, stages")
    config: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key in _KEYED:
            config[key] = _keyed(value, key, source)
        elif key in _LISTS:
            config[key] = _list(value, key, source)
        elif key in _OTHER:
            if not isinstance(value, _OTHER[key]):
                kind = "a list" if _OTHER[key] is list else "a mapping"
                raise TeamConfigError(f"{source}: `{key}` must be {kind}")
            config[key] = value
        else:
            known = ", ".join((*_KEYED, *_LISTS, *_OTHER))
            raise TeamConfigError(f"{source}: unknown key `{key}` (known: {known})")
    for stage in config.get("stages", {}):
        try:
            parse_stage(stage)
        except ValueError:
            raise TeamConfigError(
                f"{source}: `stages.{stage}` is not a stage; use awareness, consideration "
                "or decision"
            ) from None
    config["stages"] = {str(parse_stage(s)): p for s, p in config.get("stages", {}).items()}
    return config


def _keyed(value: object, key: str, source: str) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise TeamConfigError(f"{source}: `{key}` must map names to lists of words")
    return {str(name): _list(words, f"{key}.{name}", source) for name, words in value.items()}


def _list(value: object, key: str, source: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise TeamConfigError(f"{source}: `{key}` must be a list of words")
    return [str(v) for v in value if str(v).strip()]


def save_team_config(config: Mapping[str, Any], path: Path) -> None:
    """Keep the library's vocabulary beside the index (written at ingest, read at load)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def load_saved_team_config(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
