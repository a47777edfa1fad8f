"""Validate Block Kit JSON with slack_sdk's models plus Slack's documented size limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block

MAX_BLOCKS = {"message": 50, "home": 100, "modal": 100}
SECTION_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255


def assert_valid_blocks(blocks: list[dict[str, Any]], *, surface: str = "message") -> None:
    """Raise AssertionError naming the first offending block if ``blocks`` would be rejected.

    ``surface`` is "message" (≤ 50 blocks), "home" or "modal" (≤ 100 blocks).
    """
    if surface not in MAX_BLOCKS:
        raise ValueError(f"surface must be one of {sorted(MAX_BLOCKS)}, not {surface!r}")
    assert isinstance(blocks, list), f"blocks must be a list, got {type(blocks).__name__}"
    limit = MAX_BLOCKS[surface]
    assert len(blocks) <= limit, f"{len(blocks)} blocks exceed the {surface} limit of {limit}"
    for index, block in enumerate(blocks):
        problem = _block_problem(block)
        if problem is not None:
            label = block.get("type", "?") if isinstance(block, dict) else type(block).__name__
            block_id = block.get("block_id") if isinstance(block, dict) else None
            where = f"block {index} ({label}{f', block_id={block_id!r}' if block_id else ''})"
            raise AssertionError(f"{where}: {problem}\n  block: {_preview(block)}")


def _block_problem(block: Any) -> str | None:
    if not isinstance(block, dict) or "type" not in block:
        return "a block must be a dict with a 'type'"
    limits = _limit_problem(block)
    if limits is not None:
        return limits
    try:
        model = Block.parse(block)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        return f"slack_sdk cannot build it: {exc}"
    if model is None:
        return f"unknown block type {block['type']!r}"
    for path, obj in _walk(model, block["type"]):
        if obj is None:
            return f"{path}: unrecognised element"
        try:
            obj.validate_json()
        except SlackObjectFormationError as exc:
            return f"{path}: {exc}"
    try:
        model.to_dict()
    except SlackObjectFormationError as exc:
        return str(exc)
    return None


def _walk(obj: JsonObject, path: str) -> Iterator[tuple[str, JsonObject | None]]:
    """Yield every model object in the tree (None marks an element slack_sdk did not know)."""
    yield path, obj
    for name in sorted(obj.attributes):
        value = getattr(obj, name, None)
        if isinstance(value, JsonObject):
            yield from _walk(value, f"{path}.{name}")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if item is None:
                    yield f"{path}.{name}[{i}]", None
                elif isinstance(item, JsonObject):
                    yield from _walk(item, f"{path}.{name}[{i}]")


def _limit_problem(node: Any, path: str = "") -> str | None:
    """Check Slack's size limits on the raw JSON, independent of slack_sdk's models."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            problem = _limit_problem(item, f"{path}[{i}]")
            if problem is not None:
                return problem
        return None
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    block_id = node.get("block_id")
    if isinstance(block_id, str) and len(block_id) > BLOCK_ID_MAX:
        return f"{path or 'block'}.block_id is {len(block_id)} chars (max {BLOCK_ID_MAX})"
    action_id = node.get("action_id")
    if isinstance(action_id, str) and len(action_id) > ACTION_ID_MAX:
        return f"{path or 'block'}.action_id is {len(action_id)} chars (max {ACTION_ID_MAX})"
    text = _text_of(node.get("text"))
    if kind == "section" and text is not None and len(text) > SECTION_TEXT_MAX:
        return f"section text is {len(text)} chars (max {SECTION_TEXT_MAX})"
    if kind == "button" and text is not None and len(text) > BUTTON_TEXT_MAX:
        return f"{path}: button text is {len(text)} chars (max {BUTTON_TEXT_MAX}): {text[:40]!r}..."
    for key, value in node.items():
        if isinstance(value, dict | list):
            problem = _limit_problem(value, f"{path}.{key}" if path else key)
            if problem is not None:
                return problem
    return None


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def _preview(block: Any, limit: int = 300) -> str:
    text = repr(block)
    return text if len(text) <= limit else text[: limit - 3] + "..."
