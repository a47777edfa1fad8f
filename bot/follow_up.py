"""Reading a follow-up in a thread ("more like 2", "anything for decision stage?") in context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.answer_database import DatabaseUnavailable
from bot.services import Services
from content_store.log import find_by_thread
from content_store.models import ContentItem, Recommendation, RecommendationItem

# English and Dutch ("meer zoals 2", "iets als 2"): the help text offers both.
_MORE_LIKE = re.compile(
    r"\b(?:more|others?|similar|something|meer|iets|vergelijkbaar)\s+(?:like|to|zoals|als|met)\s+"
    r"(?:number\s+|no\.?\s*|nummer\s+|nr\.?\s*|#)?(\d{1,2})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FollowUp:
    context: str  # what to search with besides the follow-up's own words
    prospect: str | None
    first_recommendation_id: int


def read_follow_up(
    services: Services, *, channel_id: str, thread_ts: str, text: str
) -> FollowUp | None:
    """The context a thread gives a new question, or None if the thread has no answer yet.

    None too while the database cannot say in time: the question is answered on its own words.
    """
    try:
        return services.answer_db.run(
            "reading a thread",
            lambda sessions: _read(sessions, channel_id=channel_id, thread_ts=thread_ts, text=text),
        )
    except DatabaseUnavailable:
        return None


def _read(
    sessions: sessionmaker[Session], *, channel_id: str, thread_ts: str, text: str
) -> FollowUp | None:
    with sessions() as session:
        first = find_by_thread(session, channel_id, thread_ts)
        if first is None:
            return None
        context = first.question
        match = _MORE_LIKE.search(text)
        if match:
            title = _title_at_rank(session, _latest_in_thread(session, first), int(match.group(1)))
            if title:
                context = f"{title}. {first.question}"
        return FollowUp(context=context, prospect=first.prospect, first_recommendation_id=first.id)


def _latest_in_thread(session: Session, first: Recommendation) -> int:
    latest = session.scalar(
        select(Recommendation.id)
        .where(
            Recommendation.channel_id == first.channel_id,
            Recommendation.thread_ts == first.thread_ts,
        )
        .order_by(Recommendation.id.desc())
        .limit(1)
    )
    return latest or first.id


def _title_at_rank(session: Session, recommendation_id: int, rank: int) -> str | None:
    return session.scalar(
        select(ContentItem.title)
        .join(RecommendationItem, RecommendationItem.item_id == ContentItem.id)
        .where(
            RecommendationItem.recommendation_id == recommendation_id,
            RecommendationItem.rank == rank,
        )
    )
