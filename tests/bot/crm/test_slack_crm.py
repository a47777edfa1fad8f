"""The CRM through the real bolt app: the stage in a /content answer, "which prospect?" buttons."""

from __future__ import annotations

from bot.slack import ids
from tests.bot.slack.conftest import SlackBot
from tests.bot.slack.helpers import block_text, recommendations, valid_blocks
from tests.crm_support import HUBSPOT_TOKEN, FakeHubSpot
from tests.slack_support import block_actions, slash_command


def ask(slack_bot: SlackBot, text: str) -> None:
    status, _, _ = slack_bot.sender.post(
        *slash_command(ids.CONTENT_COMMAND, text, response_url=slack_bot.response_url())
    )
    assert status == 200


def test_content_answer_names_the_deal_its_stage_came_from(
    slack_bot: SlackBot,
    fake_hubspot: FakeHubSpot,
) -> None:
    company = fake_hubspot.add_company("Brightwater Health")
    deal = fake_hubspot.add_deal(company, "Brightwater – 40 stores", "contractsent")

    ask(slack_bot, "what do I send Brightwater?")

    [reply] = slack_bot.fake.wait_for("response_url", timeout=30)
    text = block_text(valid_blocks(reply))
    assert (
        "decision stage, from HubSpot: deal 'Brightwater – 40 stores' is in Contract sent" in text
    )
    [row] = recommendations(slack_bot.services)
    assert (row.stage_source, row.crm_object_id, row.crm_raw_stage) == ("crm", deal, "contractsent")
    assert HUBSPOT_TOKEN not in text


def test_several_matching_companies_ask_which_with_buttons(
    slack_bot: SlackBot,
    fake_hubspot: FakeHubSpot,
) -> None:
    fake_hubspot.add_deal(fake_hubspot.add_company("Acme"), "Acme deal", "contractsent")
    foods = fake_hubspot.add_company("Acme Foods")
    fake_hubspot.add_deal(foods, "Acme Foods – trial", "appointmentscheduled")

    ask(slack_bot, "what do I send Acme?")
    [question] = slack_bot.fake.wait_for("response_url", timeout=30)
    blocks = valid_blocks(question)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Acme", "Acme Foods"]
    assert recommendations(slack_bot.services) == []  # nothing answered yet
    slack_bot.fake.clear()

    status, _, _ = slack_bot.sender.post(
        *block_actions(
            buttons[1]["action_id"],
            buttons[1]["value"],
            response_url=slack_bot.response_url("pick"),
        )
    )

    assert status == 200
    [answer] = slack_bot.fake.wait_for("response_url", timeout=30)
    assert answer.args.get("replace_original") is True
    text = block_text(valid_blocks(answer))
    assert "Acme Foods – trial" in text and "awareness stage, from HubSpot" in text
    [row] = recommendations(slack_bot.services)
    assert (row.prospect, row.asker, row.stage_source) == ("Acme Foods", "U1", "crm")


def test_prospect_command_shows_the_crm_beside_the_stored_history(
    slack_bot: SlackBot,
    fake_hubspot: FakeHubSpot,
) -> None:
    fake_hubspot.add_deal(fake_hubspot.add_company("Acme"), "Acme – 40 stores", "contractsent")

    def prospect(text: str) -> str:
        status, body, _ = slack_bot.sender.post(
            *slash_command(ids.PROSPECT_COMMAND, text, response_url=slack_bot.response_url())
        )
        assert status == 200 and isinstance(body, dict)
        return block_text(body["blocks"])

    stored = prospect("Acme consideration")
    shown = prospect("Acme")
    crm_only = prospect("acme")  # the same prospect, any case
    unknown = prospect("Initech")

    assert "CRM: decision stage, from HubSpot: deal 'Acme – 40 stores' is in Contract sent" in shown
    assert "*Acme* is at the *consideration* stage" in shown and "History" in shown
    assert "consideration" in stored and "Contract sent" in crm_only
    assert "HubSpot: no company with open deals named Initech" in unknown
    assert HUBSPOT_TOKEN not in shown + unknown
