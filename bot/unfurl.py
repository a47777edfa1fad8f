"""Asset links posted anywhere in Slack, described: title, type, stage, and for marketers how
often sales is offered the asset and how it is rated.

An internal asset (`internal: true`, or tagged `internal`) is described only where no one outside
the company can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.marketing import asset_by_url
from bot.services import Services
from content_store.stats import AssetReach, asset_reach

INTERNAL_TAG = "internal"
REACH_DAYS = 30
MAX_LINKS = 5  # Slack unfurls a handful of links per message


@dataclass(frozen=True)
class AssetCard:
    url: str  # as posted: chat.unfurl is keyed by it
    asset_id: str
    title: str
    type: str
    stages: tuple[str, ...]
    internal: bool
    reach: AssetReach | None  # only for marketers
    reach_days: int = REACH_DAYS


def is_unfurl_domain(url: str, domains: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def asset_cards(
    services: Services,
    urls: list[str],
    *,
    external_channel: bool,
    with_reach: bool,
    now: datetime | None = None,
) -> list[AssetCard]:
    """Cards for the links that are library assets; internal ones left out of external channels."""
    domains = services.settings.unfurl_domains
    since = (now or datetime.now(UTC)) - timedelta(days=REACH_DAYS)
    cards: list[AssetCard] = []
    with services.sessions() as session:
        for url in list(dict.fromkeys(urls))[:MAX_LINKS]:
            if not is_unfurl_domain(url, domains):
                continue
            asset = asset_by_url(session, url)
            if asset is None:
                continue
            # `internal: true` (the lifecycle field), or the older convention of an `internal` tag.
            internal = bool(asset.internal) or INTERNAL_TAG in {
                t.casefold() for t in asset.tags or []
            }
            if internal and external_channel:
                continue
            cards.append(
                AssetCard(
                    url=url,
                    asset_id=asset.id,
                    title=asset.title,
                    type=asset.type,
                    stages=tuple(asset.stages or ()),
                    internal=internal,
                    reach=asset_reach(session, asset.id, since=since) if with_reach else None,
                )
            )
    return cards
