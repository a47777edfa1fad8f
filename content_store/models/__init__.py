"""Typed SQLAlchemy models, split by concept."""

from content_store.models.base import Base
from content_store.models.content import Chunk, ContentItem, ContentSource, StageConfirmation
from content_store.models.crm import CrmDealStage, CrmPollState, CrmPush, CrmPushOptOut
from content_store.models.index_run import IndexRun, IndexRunStatus
from content_store.models.lease import Lease
from content_store.models.marketing import (
    MarketingThread,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from content_store.models.prospect import Prospect, ProspectStageChange
from content_store.models.recommendation import (
    Feedback,
    FeedbackKind,
    Recommendation,
    RecommendationItem,
)
from content_store.models.request import (
    AnswerVote,
    MarketingRequest,
    ProspectChannel,
    RequestDeadline,
    RequestStatus,
    ViewedContext,
)
from content_store.models.slack_event import SlackEventClaim

__all__ = [
    "AnswerVote",
    "Base",
    "Chunk",
    "ContentItem",
    "ContentSource",
    "CrmDealStage",
    "CrmPollState",
    "CrmPush",
    "CrmPushOptOut",
    "Feedback",
    "FeedbackKind",
    "IndexRun",
    "IndexRunStatus",
    "Lease",
    "MarketingRequest",
    "MarketingThread",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "Prospect",
    "ProspectChannel",
    "ProspectStageChange",
    "Recommendation",
    "RecommendationItem",
    "RequestDeadline",
    "RequestStatus",
    "SlackEventClaim",
    "StageConfirmation",
    "ViewedContext",
]
