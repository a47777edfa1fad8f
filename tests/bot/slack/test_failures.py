"""A listener's error becomes one reply: the reader's own words for a LocalizedError, else the
apology; only an unexpected error is logged with a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import N_, LocalizedError, english, translator
from bot.slack.failures import SORRY, reply_on_failure
from content_store.errors import UnavailableError


def run(error: Exception, t=None) -> list[str]:
    replies: list[str] = []
    with reply_on_failure(replies.append, "testing", t):
        raise error
    return replies


def test_a_localized_error_is_said_in_the_readers_language() -> None:
    error = LocalizedError(N_("the button carries no request number"))
    assert run(error) == ["the button carries no request number"]
    assert run(error, translator("nl")) == ["de knop bevat geen aanvraagnummer"]


def test_an_expected_failure_gets_the_apology_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.slack.failures"):
        replies = run(UnavailableError("answering: no reply within 2 s"))
    assert replies == [english().gettext(SORRY)]
    (record,) = caplog.records
    assert record.getMessage() == "failed while testing: answering: no reply within 2 s"
    assert record.exc_info is None


def test_an_unexpected_error_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.slack.failures"):
        replies = run(KeyError("user"))
    assert replies == [english().gettext(SORRY)]
    (record,) = caplog.records
    assert record.exc_info is not None
