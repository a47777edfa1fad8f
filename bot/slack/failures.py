"""One place that turns an unexpected error in a listener into a log line and a polite reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.i18n import N_, Translator, english

log = logging.getLogger(__name__)

SORRY = N_("Something went wrong on my side; it has been logged. Please try again in a minute.")


@contextmanager
def reply_on_failure(
    reply: Callable[[str], object],
    what: str,
    t: Translator | Callable[[], Translator] | None = None,
) -> Iterator[None]:
    """Run the block; on an unexpected error, log it with a traceback and tell the user, in t's
    language (English by default; a callable is asked only then)."""
    try:
        yield
    except Exception:
        log.exception("failed while %s", what)
        try:
            translator = t() if callable(t) else t
            reply((translator or english()).gettext(SORRY))
        except Exception:  # the reply path itself is down: the log line is all we can do
            log.exception("could not tell the user about the failure while %s", what)
