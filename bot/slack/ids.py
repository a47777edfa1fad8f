"""Action and view ids: shared by the blocks that carry them and the listeners that take them."""

from __future__ import annotations

USEFUL = "funnelbot.useful"
NOT_USEFUL = "funnelbot.not_useful"
SENT = "funnelbot.sent"
SHARE = "funnelbot.share"
STATS_CSV = "funnelbot.stats_csv"  # "Download CSV" under /content-stats; value: the days
# "Which prospect?" buttons, one per CRM company matching; each action id ends :<n>.
PICK_PROSPECT = "funnelbot.pick_prospect"
CRM_PUSHES = "funnelbot.crm_pushes"  # Home tab: switch deal-move pushes on or off
NOT_USEFUL_REASON_VIEW = "funnelbot.not_useful_reason"
# Ask marketing: the answer's button, the modal, and the marketers' controls on the request.
ASK_MARKETING = "funnelbot.ask_marketing"
ASK_MARKETING_VIEW = "funnelbot.ask_marketing_view"
REQUEST_TAKE = "funnelbot.request_take"
REQUEST_PICK = "funnelbot.request_pick"  # external_select over the library
REQUEST_DONE = "funnelbot.request_done"
# A vague question's reply: the rep picks the prospect's stage; value: {"r": answer id, "s": stage}.
CLARIFY_STAGE = "funnelbot.clarify_stage"
CLARIFY_STAGES = tuple(f"{CLARIFY_STAGE}.{s}" for s in ("awareness", "consideration", "decision"))
# The marketer Home's inferred stages: confirm the proposal, or pick another; the block id is
# STAGE_REVIEW_BLOCK + the asset's id, the value (or the option's) the stage.
STAGE_CONFIRM = "funnelbot.stage_confirm"
STAGE_CORRECT = "funnelbot.stage_correct"
STAGE_REVIEW_BLOCK = "stage-review:"
# Slack's native 👍/👎 (feedback_buttons in a context_actions block), on agent-view answers.
NATIVE_FEEDBACK = "funnelbot.native_feedback"

REASON_BLOCK = "reason"
REASON_ACTION = "reason_select"
COMMENT_BLOCK = "comment"
COMMENT_ACTION = "comment_input"
NEED_BLOCK, NEED_ACTION = "need", "need_input"
PROSPECT_BLOCK, PROSPECT_ACTION = "prospect", "prospect_input"
STAGE_BLOCK, STAGE_ACTION = "stage", "stage_select"
DEADLINE_BLOCK, DEADLINE_ACTION = "deadline", "deadline_select"

ACTIONS = (
    USEFUL,
    NOT_USEFUL,
    SENT,
    SHARE,
    STATS_CSV,
    ASK_MARKETING,
    REQUEST_TAKE,
    REQUEST_PICK,
    REQUEST_DONE,
    NATIVE_FEEDBACK,
    *CLARIFY_STAGES,
    PICK_PROSPECT,
    CRM_PUSHES,
    STAGE_CONFIRM,
    STAGE_CORRECT,
)
OPTIONS = (REQUEST_PICK,)  # external selects: the app answers their options
VIEWS = (NOT_USEFUL_REASON_VIEW, ASK_MARKETING_VIEW)

# What the app listens to; manifest.yml must declare exactly these (a test checks both ways).
CONTENT_COMMAND = "/content"
PROSPECT_COMMAND = "/prospect"
CONTENT_STATS_COMMAND = "/content-stats"
REINDEX_COMMAND = "/reindex"
COMMANDS = (CONTENT_COMMAND, PROSPECT_COMMAND, CONTENT_STATS_COMMAND, REINDEX_COMMAND)
BOT_EVENTS = (
    "app_context_changed",
    "app_home_opened",
    "app_mention",
    "link_shared",
    "message.channels",
    "message.groups",
    "message.im",
)
# The bot scopes those listeners and their Web API calls need (manifest.yml says why for each).
BOT_SCOPES = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "links:read",
    "links:write",
    "users:read",
)
# Manifest features the code relies on: app_context_changed is only sent with agent_view.
FEATURES = ("app_home", "agent_view", "bot_user", "slash_commands")
