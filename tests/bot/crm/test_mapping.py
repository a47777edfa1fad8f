"""CRM stages to buyer stages: defaults from the CRM's pipelines, overrides in funnelbot.yml,
and `funnelbot crm stages` printing the mapping in force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.crm.hubspot import HubSpotCrm
from bot.crm.mapping import CrmConfigError, StageMapping, load_crm_config
from bot.crm.salesforce import SalesforceCrm
from content_store.stage import Stage
from tests.bot.crm.conftest import hubspot_env, salesforce_env
from tests.crm_support import HUBSPOT_TOKEN, SALESFORCE_TOKEN, FakeHubSpot, FakeSalesforce

A, C, D, CUSTOMER = Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION, Stage.CUSTOMER


def test_hubspot_default_pipeline_defaults(fake_hubspot: FakeHubSpot) -> None:
    crm = HubSpotCrm(HUBSPOT_TOKEN, api_url=fake_hubspot.base_url)
    mapping = StageMapping(crm.pipelines())

    assert {r.stage.id: r.buyer_stage for r in mapping.rules()} == {
        "appointmentscheduled": A,
        "qualifiedtobuy": C,
        "presentationscheduled": C,
        "decisionmakerboughtin": D,
        "contractsent": D,
        "closedwon": CUSTOMER,
        "closedlost": A,
    }


def test_salesforce_standard_stage_defaults(fake_salesforce: FakeSalesforce) -> None:
    crm = SalesforceCrm(instance_url=fake_salesforce.base_url, token=SALESFORCE_TOKEN)
    mapping = StageMapping(crm.pipelines())

    assert {r.stage.id: r.buyer_stage for r in mapping.rules()} == {
        "Prospecting": A,
        "Qualification": A,
        "Needs Analysis": A,
        "Value Proposition": C,
        "Id. Decision Makers": C,
        "Perception Analysis": C,
        "Proposal/Price Quote": D,
        "Negotiation/Review": D,
        "Closed Won": CUSTOMER,
        "Closed Lost": A,
    }


def test_stages_without_probabilities_split_in_thirds(fake_hubspot: FakeHubSpot) -> None:
    fake_hubspot.add_pipeline(
        "renewals",
        "Renewals",
        [(f"s{n}", f"Step {n}", "", "false") for n in range(6)] + [("won", "Won", "", "true")],
    )
    crm = HubSpotCrm(HUBSPOT_TOKEN, api_url=fake_hubspot.base_url)
    mapping = StageMapping(crm.pipelines())

    steps = [mapping.resolve("renewals", f"s{n}") for n in range(6)]
    assert [r.buyer_stage for r in steps if r] == [A, A, C, C, D, D]


def test_funnelbot_yml_overrides_per_pipeline(tmp_path: Path, fake_hubspot: FakeHubSpot) -> None:
    (tmp_path / "funnelbot.yml").write_text(
        "crm:\n"
        "  closed_lost: consideration\n"
        "  pipelines:\n"
        "    Sales Pipeline:\n"
        "      Presentation scheduled: decision\n"
        "      appointmentscheduled: consideration\n",
        encoding="utf-8",
    )
    crm = HubSpotCrm(HUBSPOT_TOKEN, api_url=fake_hubspot.base_url)
    mapping = StageMapping(crm.pipelines(), load_crm_config(tmp_path))

    presentation = mapping.resolve("default", "presentationscheduled")
    assert presentation is not None and presentation.buyer_stage is D
    assert presentation.source == "funnelbot.yml"
    assert mapping.resolve("default", "appointmentscheduled").buyer_stage is C  # type: ignore[union-attr]
    assert mapping.resolve("default", "closedlost").buyer_stage is C  # type: ignore[union-attr]
    assert mapping.resolve("default", "contractsent").source == "default"  # type: ignore[union-attr]


def test_a_bad_stage_in_funnelbot_yml_is_named(tmp_path: Path) -> None:
    (tmp_path / "funnelbot.yml").write_text(
        "crm:\n  pipelines:\n    default:\n      contractsent: soon\n", encoding="utf-8"
    )
    with pytest.raises(
        CrmConfigError, match=r"crm\.pipelines\.default\.contractsent: unknown stage 'soon'"
    ):
        load_crm_config(tmp_path)


def test_crm_stages_command_prints_every_pipeline(
    tmp_path: Path, database_url: str, fake_hubspot: FakeHubSpot, fake_salesforce: FakeSalesforce
) -> None:
    fake_hubspot.add_pipeline("renewals", "Renewals", [("r1", "Renewal due", "0.5", "false")])
    runner = CliRunner()

    hubspot = runner.invoke(
        app, ["crm", "stages"], env=hubspot_env(fake_hubspot, tmp_path, database_url)
    )
    as_json = runner.invoke(
        app, ["crm", "stages", "--json"], env=hubspot_env(fake_hubspot, tmp_path, database_url)
    )
    salesforce = runner.invoke(
        app, ["crm", "stages"], env=salesforce_env(fake_salesforce, tmp_path, database_url)
    )
    dutch_terminal = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "nl_NL.UTF-8"}
    dutch = runner.invoke(
        app,
        ["crm", "stages"],
        env={**hubspot_env(fake_hubspot, tmp_path, database_url), **dutch_terminal},
    )

    assert hubspot.exit_code == 0, hubspot.output
    assert "Sales Pipeline" in hubspot.stdout and "Renewals" in hubspot.stdout
    assert "Contract sent" in hubspot.stdout and "customer" in hubspot.stdout
    rows = json.loads(as_json.stdout)
    assert {(r["pipeline_id"], r["stage_id"], r["buyer_stage"]) for r in rows} >= {
        ("default", "contractsent", "decision"),
        ("renewals", "r1", "consideration"),
    }
    assert salesforce.exit_code == 0, salesforce.output
    # The CRM's names as it writes them; the buyer stage in the terminal's language.
    assert "Contract sent [contractsent]" in dutch.stdout and "-> beslissing" in dutch.stdout
    assert "-> decision" not in dutch.stdout
    assert "Negotiation/Review" in salesforce.stdout
    assert HUBSPOT_TOKEN not in hubspot.output and SALESFORCE_TOKEN not in salesforce.output


def test_crm_stages_without_a_crm_says_what_to_set(tmp_path: Path, database_url: str) -> None:
    result = CliRunner().invoke(
        app, ["crm", "stages"], env={"FUNNELBOT_HOME": str(tmp_path), "FUNNELBOT_CRM": ""}
    )
    assert result.exit_code == 2
    assert "FUNNELBOT_CRM is not set" in result.stderr
