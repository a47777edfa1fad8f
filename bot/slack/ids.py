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

REASON_BLOCK = "reason"
REASON_ACTION = "reason_select"
COMMENT_BLOCK = "comment"
COMMENT_ACTION = "comment_input"

ACTIONS = (USEFUL, NOT_USEFUL, SENT, SHARE, STATS_CSV, PICK_PROSPECT, CRM_PUSHES)
VIEWS = (NOT_USEFUL_REASON_VIEW,)

# What the app listens to; manifest.yml must declare exactly these (a test checks both ways).
CONTENT_COMMAND = "/content"
PROSPECT_COMMAND = "/prospect"
CONTENT_STATS_COMMAND = "/content-stats"
REINDEX_COMMAND = "/reindex"
COMMANDS = (CONTENT_COMMAND, PROSPECT_COMMAND, CONTENT_STATS_COMMAND, REINDEX_COMMAND)
BOT_EVENTS = (
    "app_home_opened",
    "app_mention",
    "message.channels",
    "message.groups",
    "message.im",
)
