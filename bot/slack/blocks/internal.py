"""What a post says in place of the internal assets it leaves out of an external conversation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import N_, Translator

# An internal asset's title where outsiders read, said in the channel's language.
MASKED_TITLE = N_(":lock: an internal asset (not named here: people outside the company read this)")


def withheld_line(count: int, t: Translator) -> str:
    return t.ngettext(
        ":lock: %(count)s internal item left out: people outside the company can read this "
        "conversation. Ask me in a DM to see everything.",
        ":lock: %(count)s internal items left out: people outside the company can read this "
        "conversation. Ask me in a DM to see everything.",
        count,
        count=count,
    )


def withheld_block(count: int, t: Translator) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": withheld_line(count, t)}]}


def names_internal(payload: Mapping[str, Any]) -> bool:
    """Whether a queued marketing message names an internal asset."""
    assets = [payload.get("asset"), *(payload.get("items") or [])]
    return any(isinstance(a, Mapping) and a.get("internal") for a in assets)


def mask_internal(payload: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    """The queued message with each internal asset unnamed: no title, link or type."""
    title = t.gettext(MASKED_TITLE)

    def masked(asset: Any) -> Any:
        if not isinstance(asset, Mapping) or not asset.get("internal"):
            return asset
        kept = {k: v for k, v in asset.items() if k == "rank"}
        return {**kept, "id": None, "title": title, "url": None, "type": None}

    result = dict(payload)
    if "asset" in result:
        result["asset"] = masked(result["asset"])
    if isinstance(result.get("items"), list):
        result["items"] = [masked(item) for item in result["items"]]
    return result
