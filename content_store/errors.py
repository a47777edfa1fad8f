"""funnelbot's errors: one base, and a child for each thing the person can do about it.

It sits in `content_store/`, the lowest layer, so `index/` and `bot/` can raise them too. Classes
elsewhere subclass one of these (and, where callers catch it, the builtin they had before); the
CLI and Slack turn any of them into one line.
"""

from __future__ import annotations

from typing import ClassVar


class FunnelbotError(Exception):
    """A failure a person reads: ``str()`` is one line saying what was wrong and what to do.

    ``exit_code`` is the CLI's exit status for it: 1, a failure.
    """

    exit_code: ClassVar[int] = 1

    @property
    def message(self) -> str:
        return str(self)


class InputError(FunnelbotError):
    """Bad input or settings (an argument, a setting, funnelbot.yml, a file, a stale button):
    the person fixes what the message names. Exit 2."""

    exit_code = 2


class UnavailableError(FunnelbotError):
    """An outside system (the database, the CRM, a content source) failed or is away: try again
    later. Exit 1."""

    exit_code = 1


class BusyError(FunnelbotError):
    """Another run holds what was asked for (a reindex is running): wait for it. Exit 1."""

    exit_code = 1
