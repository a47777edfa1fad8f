"""What a serving process runs for the CRM: the deal poll and, if asked for, the note worker."""

from __future__ import annotations

from bot.services import Services

# Background work may wait longer on the CRM than an answer does.
BACKGROUND_TIMEOUT_S = 15.0


def start_crm_background(services: Services) -> None:
    from bot.crm import make_crm
    from bot.crm.notes import CrmNoteWorker
    from bot.crm.push import DealPoller
    from bot.slack.client import make_web_client

    settings = services.settings
    crm = make_crm(settings, timeout_s=BACKGROUND_TIMEOUT_S)
    if crm is None:
        return
    DealPoller(services, crm, make_web_client(settings)).start()
    if settings.crm_log_sent:
        CrmNoteWorker(services.sessions, crm).start()
