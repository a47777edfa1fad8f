"""One place that turns an error a listener lets through into a log line and a one-line reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.i18n import N_, LocalizedError, Translator, english
from content_store.errors import FunnelbotError

log = logging.getLogger(__name__)

SORRY = N_("Something went wrong on my side; it has been logged. Please try again in a minute.")


@contextmanager
def reply_on_failure(
    reply: Callable[[str], object],
    what: str,
    t: Translator | Callable[[], Translator] | None = None,
) -> Iterator[None]:
    """Run the block; on an error, log it and tell the user, in t's language (English by
    default; a callable is asked only then). A LocalizedError is said as it is, since it was
    written for the reader; anything else gets the apology (a setting or a path means nothing
    to a rep). Only an unexpected error, not a FunnelbotError, is logged with a traceback."""
    try:
        yield
    except Exception as error:
        if isinstance(error, FunnelbotError):
            log.warning("failed while %s: %s", what, error)
        else:
            log.exception("failed while %s", what)
        try:
            translator = (t() if callable(t) else t) or english()
            localized = isinstance(error, LocalizedError)
            reply(translator.error(error) if localized else translator.gettext(SORRY))
        except Exception:  # the reply path itself is down: the log line is all we can do
            log.exception("could not tell the user about the failure while %s", what)
