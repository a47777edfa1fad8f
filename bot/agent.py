"""The agent surface's use cases: prompts that fit the rep, the prospect the viewed channel names,
and a thread's title.

Slack tells the app which channel a rep is looking at (app_context_changed); a channel named for a
deal (`#deal-acme`, `#acme-ext`) or mapped with `/prospect Acme #channel` makes its prospect the
default for the rep's next questions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.answer import Answer
from bot.i18n import N_, Translator, english
from bot.services import Services
from content_store.db import transaction
from content_store.models import Prospect, ProspectChannel, Recommendation, ViewedContext
from content_store.prospects import clean_prospect_name, prospect_key, stored_stage

log = logging.getLogger(__name__)

MAX_PROMPTS = 4  # Slack shows up to four suggested prompts
TITLE_CHARS = 80
# Channel names that name a deal: the issue's `#deal-acme` and `#acme-ext`, as naming patterns.
_DEAL_CHANNEL = (re.compile(r"^deal[-_](?P<name>.+)$"), re.compile(r"^(?P<name>.+)[-_]ext$"))
GENERIC_PROMPTS = (
    (
        N_("What fits an early prospect?"),
        N_("What do I send a prospect who is just learning about us?"),
    ),
    (N_("Beat a competitor"), N_("They're comparing us with a competitor, what do I send?")),
    (N_("Prove the ROI"), N_("The CFO wants numbers before signing, what do I send?")),
)


@dataclass(frozen=True)
class ViewedProspect:
    prospect: str
    channel: str  # how the answer names it: "#deal-acme", or the id when the name is unknown


def suggested_prompts(
    services: Services, user: str, t: Translator | None = None
) -> list[dict[str, str]]:
    """Up to four prompts in t's language (English by default): the prospect of the channel the
    rep views, their recent prospects, then general ones."""
    t = t or english()
    _ = t.gettext
    names: list[str] = []
    viewed = viewed_prospect(services.sessions, user)
    if viewed is not None:
        names.append(viewed.prospect)
    with services.sessions() as session:
        recent = session.execute(
            select(Recommendation.prospect, func.max(Recommendation.id).label("last"))
            .where(Recommendation.asker == user, Recommendation.prospect.is_not(None))
            .group_by(Recommendation.prospect)
            .order_by(func.max(Recommendation.id).desc())
            .limit(MAX_PROMPTS)
        ).all()
    for name, _last in recent:
        if name and prospect_key(name) not in {prospect_key(n) for n in names}:
            names.append(name)
    prompts = [
        {
            "title": _("Next for %(name)s", name=name)[:75],
            "message": _("What do I send %(name)s next?", name=name),
        }
        for name in names[:MAX_PROMPTS]
    ]
    for title, message in GENERIC_PROMPTS:
        if len(prompts) >= MAX_PROMPTS:
            break
        prompts.append({"title": _(title), "message": _(message)})
    return prompts


def map_channel(
    services: Services,
    prospect: str,
    *,
    channel_id: str | None,
    channel_name: str | None,
    user: str,
) -> str:
    """`/prospect Acme #channel`: questions asked while viewing the channel default to Acme."""
    name = clean_prospect_name(prospect)
    key = channel_id or f"#{_bare(channel_name or '')}"
    if key == "#":
        raise ValueError("name a channel, like #deal-acme")
    with transaction(services.sessions) as session:
        row = session.get(ProspectChannel, key)
        if row is None:
            session.add(ProspectChannel(channel_id=key, prospect=name, mapped_by=user))
        else:
            row.prospect, row.mapped_by, row.mapped_at = name, user, datetime.now(UTC)
    return name


def record_viewed_context(
    services: Services, user: str, *, channel_id: str | None, channel_name: str | None
) -> ViewedProspect | None:
    """Remember the channel the rep is looking at; the prospect it names, if any."""
    with transaction(services.sessions) as session:
        row = session.get(ViewedContext, user)
        if row is None:
            row = ViewedContext(user=user)
            session.add(row)
        row.channel_id, row.channel_name = channel_id, channel_name
        row.updated_at = datetime.now(UTC)
        return _prospect_of(session, channel_id, channel_name)


def viewed_prospect(sessions: sessionmaker[Session], user: str | None) -> ViewedProspect | None:
    if not user:
        return None
    with sessions() as session:
        row = session.get(ViewedContext, user)
        if row is None or not (row.channel_id or row.channel_name):
            return None
        return _prospect_of(session, row.channel_id, row.channel_name)


def default_prospect(
    sessions: sessionmaker[Session], user: str | None, question: str
) -> ViewedProspect | None:
    """The viewed channel's prospect, unless the question names a stored prospect itself."""
    viewed = viewed_prospect(sessions, user)
    if viewed is None:
        return None
    with sessions() as session:
        named = stored_stage(session, text=question)
    if named is not None and prospect_key(named[0]) != prospect_key(viewed.prospect):
        return None
    return viewed


def thread_title(answer: Answer) -> str:
    """The prospect and the topic: "Acme · SOC 2 report"."""
    topic = re.sub(r"\s+", " ", answer.question).strip()
    title = f"{answer.prospect} · {topic}" if answer.prospect else topic
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def _prospect_of(
    session: Session, channel_id: str | None, channel_name: str | None
) -> ViewedProspect | None:
    bare = _bare(channel_name or "")
    shown = f"#{bare}" if bare else (channel_id or "")
    for key in (channel_id, f"#{bare}" if bare else None):
        if key:
            mapped = session.get(ProspectChannel, key)
            if mapped is not None:
                return ViewedProspect(mapped.prospect, shown)
    if not bare:
        return None
    candidates = [bare]
    for pattern in _DEAL_CHANNEL:
        match = pattern.match(bare)
        if match:
            candidates.insert(0, match.group("name"))
    for candidate in candidates:
        spoken = candidate.replace("-", " ").replace("_", " ").strip()
        stored = session.scalar(select(Prospect).where(Prospect.key == prospect_key(spoken)))
        if stored is not None:
            return ViewedProspect(stored.name, shown)
    if len(candidates) > 1:  # a deal channel for a prospect not stored yet: name it as written
        spoken = candidates[0].replace("-", " ").replace("_", " ").strip()
        return ViewedProspect(spoken.title(), shown)
    return None


def _bare(name: str) -> str:
    return name.strip().lstrip("#").lower()
