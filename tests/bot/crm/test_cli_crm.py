"""`funnelbot ask` with only the CRM settings: the stage from a deal, and several matches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.bot.crm.conftest import hubspot_env
from tests.crm_support import HUBSPOT_TOKEN, FakeHubSpot


def test_ask_reads_the_stage_from_hubspot_and_lists_ambiguous_prospects(
    tmp_path: Path, database_url: str, library: Path, fake_hubspot: FakeHubSpot
) -> None:
    brightwater = fake_hubspot.add_company("Brightwater Health")
    deal = fake_hubspot.add_deal(brightwater, "Brightwater – 40 stores", "contractsent")
    for name in ("Acme", "Acme Foods"):
        fake_hubspot.add_deal(fake_hubspot.add_company(name), f"{name} deal", "qualifiedtobuy")
    env = hubspot_env(fake_hubspot, tmp_path / "home", database_url)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(library)], env=env).exit_code == 0

    asked = runner.invoke(app, ["ask", "what do I send Brightwater?", "--json"], env=env)
    ambiguous = runner.invoke(app, ["ask", "what do I send Acme?"], env=env)
    exact = runner.invoke(
        app, ["ask", "what do I send Acme?", "--prospect", "Acme", "--json"], env=env
    )
    logged = runner.invoke(app, ["log", "--json", "--limit", "5"], env=env)

    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert (answer["stage"], answer["stage_source"]) == ("decision", "crm")
    assert answer["crm"] == {
        "system": "hubspot",
        "deal_id": deal,
        "deal_name": "Brightwater – 40 stores",
        "raw_stage": "contractsent",
        "stage_label": "Contract sent",
    }
    assert ambiguous.exit_code == 2
    assert "Acme, Acme Foods" in ambiguous.stderr
    assert exact.exit_code == 0, exact.output
    assert json.loads(exact.stdout)["crm"]["deal_name"] == "Acme deal"
    rows = json.loads(logged.stdout)
    assert rows[-1]["crm"] == {"system": "hubspot", "deal_id": deal, "raw_stage": "contractsent"}
    for result in (asked, ambiguous, exact, logged):
        assert HUBSPOT_TOKEN not in result.output
