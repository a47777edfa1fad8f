"""What a post says in place of the internal assets it leaves out of an external conversation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OUTSIDE = "people outside the company can read this conversation"
MASKED_TITLE = ":lock: an internal asset (not named here: people outside the company read this)"


def withheld_line(count: int) -> str:
    items = "1 internal item" if count == 1 else f"{count} internal items"
    return f":lock: {items} left out: {OUTSIDE}. Ask me in a DM to see everything."


def withheld_block(count: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": withheld_line(count)}]}


def names_internal(payload: Mapping[str, Any]) -> bool:
    """Whether a queued marketing message names an internal asset."""
    assets = [payload.get("asset"), *(payload.get("items") or [])]
    return any(isinstance(a, Mapping) and a.get("internal") for a in assets)


def mask_internal(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The queued message with each internal asset unnamed: no title, link or type."""

    def masked(asset: Any) -> Any:
        if not isinstance(asset, Mapping) or not asset.get("internal"):
            return asset
        kept = {k: v for k, v in asset.items() if k == "rank"}
        return {**kept, "id": None, "title": MASKED_TITLE, "url": None, "type": None}

    result = dict(payload)
    if "asset" in result:
        result["asset"] = masked(result["asset"])
    if isinstance(result.get("items"), list):
        result["items"] = [masked(item) for item in result["items"]]
    return result
