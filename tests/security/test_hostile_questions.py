"""Questions written to break things: markup that would ping or link, control characters,
emoji, other scripts. Each is answered (or refused with a reason) through /content, a mention
and a DM, logged once, in valid Block Kit that pings nobody and links only library assets."""

from __future__ import annotations

import json
import re
import time

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import recommendations
from tests.slack_support import (
    SlackCall,
    app_mention,
    assert_valid_blocks,
    dm_message,
    event_callback,
    slash_command,
)

HOSTILE = {
    "channel ping": "<!channel> what do I send for SOC 2?",
    "here ping": "<!here> pricing for 40 stores",
    "everyone ping": "<!everyone> case study please",
    "group ping": "<!subteam^S1|@sales> need a battlecard against Forecastly",
    "user mention": "<@U123> asked about pricing, and <@U2|bob> too",
    "disguised link": "<https://evil.example/login|click here> SOC 2 report",
    "bare link": "<https://evil.example> pricing sheet",
    "channel link": "<#C123|general> pricing",
    "escaped markup": "&lt;!channel&gt; &amp; <!date^1392734382^{date}|x> pricing",
    "control characters": "SOC 2\x00 report\x01\x07\x1b[31m for\x7f Acme\x0b\x0c",
    "bidi and zero-width": "\u202eSOC 2\u202c report\u200b for \u2066Acme\u2069\ufeff",
    "emoji only": "🔥🚀📈🤝",
    "Dutch": "Welke case study stuur ik naar een retailer die nog met spreadsheets werkt?",
    "Chinese": "客户要我们的 SOC 2 报告，我该发什么？",
    "Arabic": "العميل يطلب تقرير SOC 2، ماذا أرسل؟",
    "mrkdwn formatting": "*bold* _it_ ~gone~ `code` ```block``` > quote pricing",
    "only markup": "<!channel>",
}
# What a user may not make the bot say: a ping, a mention, a channel link, a link of theirs.
_ANGLE = re.compile(r"<([^>]*)>")


def _posted_text(call: SlackCall) -> str:
    return json.dumps([call.args.get("text"), call.args.get("blocks")], ensure_ascii=False)


def assert_harmless(call: SlackCall, allowed: set[str]) -> None:
    """Valid blocks, and every `<…>` Slack would act on is one we put there on purpose."""
    blocks = call.args.get("blocks")
    if blocks:
        assert_valid_blocks(blocks)
    text = _posted_text(call)
    for inside in _ANGLE.findall(text):
        url = inside.split("|", 1)[0]
        assert url in allowed, f"<{inside}> in what was posted"


def _library_urls(slack_bot: SlackBot) -> set[str]:
    return {a.url for a in slack_bot.services.searcher().assets.values() if a.url}


def _ask_everywhere(slack_bot: SlackBot, question: str, n: int) -> list[SlackCall]:
    """The question through /content, a channel mention and a DM; the three replies."""
    fake = slack_bot.fake
    replied, posted = len(fake.calls_to("response_url")), len(fake.calls_to("chat.postMessage"))
    slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, question, response_url=slack_bot.response_url(f"s{n}"))
    )
    mention = app_mention(f"<@UBOT> {question}", user="U1", channel="C9", ts=f"17000{n:05d}.0001")
    slack_bot.sender.post(*event_callback(mention, event_id=f"EvM{n}"))
    dm = dm_message(question, user="U2", ts=f"17000{n:05d}.0002")
    slack_bot.sender.post(*event_callback(dm, event_id=f"EvD{n}"))
    replies = fake.wait_for("response_url", count=replied + 1, timeout=20)[replied:]
    posts = fake.wait_for("chat.postMessage", count=posted + 2, timeout=20)[posted:]
    return [*replies, *posts]


def test_hostile_questions_are_answered_harmlessly_and_logged_once_everywhere(
    slack_bot: SlackBot,
) -> None:
    urls = _library_urls(slack_bot)
    logged = 0
    for n, (case, question) in enumerate(HOSTILE.items()):
        replies = _ask_everywhere(slack_bot, question, n)

        assert len(replies) == 3, case
        for reply in replies:
            assert_harmless(reply, urls)
        rows = recommendations(slack_bot.services)[logged:]
        logged += len(rows)
        if rows:  # answered: once per surface, the question kept readable
            assert sorted(row.source for row in rows) == ["dm", "mention", "slash"], case
            assert all("\x00" not in row.question for row in rows), case
        else:  # refused: every surface says why, in words
            for reply in replies:
                assert len(str(reply.args.get("text") or "")) > 20, (case, reply.args)
    time.sleep(0.5)  # a question answered twice would show up now
    assert len(recommendations(slack_bot.services)) == logged
    assert logged >= 3 * (len(HOSTILE) - 1)  # all but the markup-only question are answered


def test_answers_quote_hostile_markup_as_visible_text(slack_bot: SlackBot) -> None:
    replies = _ask_everywhere(slack_bot, HOSTILE["channel ping"], 2)
    for reply in replies:
        assert "&lt;!channel&gt;" in _posted_text(reply)


def test_a_ten_thousand_character_question_by_mention_is_answered_within_limits(
    slack_bot: SlackBot,
) -> None:
    question = ("<!here> SOC 2 report and pricing 🔥 " * 400)[:10_000]
    event = app_mention(f"<@UBOT> {question}", user="U1", channel="C9", ts="1700099999.0001")

    slack_bot.sender.post(*event_callback(event, event_id="EvLong"))

    [post] = slack_bot.fake.wait_for("chat.postMessage", timeout=20)
    assert_harmless(post, _library_urls(slack_bot))
    [row] = recommendations(slack_bot.services)
    assert len(row.question) == len(question.strip())


def test_hostile_prospect_name_is_stored_clean_and_echoed_escaped(slack_bot: SlackBot) -> None:
    status, body, _ = slack_bot.sender.post(
        *slash_command(
            ids.PROSPECT_COMMAND,
            "<!channel> Acme\x00 <@U2> decision",
            response_url=slack_bot.response_url("p"),
        )
    )

    assert status == 200
    assert isinstance(body, dict)
    # The history names who set the stage: Slack's own id of the caller, a deliberate mention.
    assert_harmless(SlackCall("ack", dict(body), {}, 0.0), {"@U1"})
    assert "&lt;!channel&gt; Acme &lt;@U2&gt;" in body["text"]
    asked = _ask_everywhere(slack_bot, "<!channel> Acme <@U2> needs what?", 3)
    for reply in asked:
        assert_harmless(reply, _library_urls(slack_bot))
