"""The weekly digest: top gaps, most used, never surfaced in 90 days, mostly 👎, past review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from bot.cli import app
from bot.digest import digest_text, weekly_digest
from bot.services import Services
from content_store.models import FeedbackKind
from tests.bot.log_rows import log_answer, log_click
from tests.conftest import cli_env

NOW = datetime.now(UTC)
SEC = "sec-security-whitepaper"
PRICING = "price-tidewell-pricing-sheet"
CHECKLIST = "chk-stockout-cost-checklist"


def log_a_quarter(services: Services) -> None:
    log_answer(services, "SOC 2?", [SEC], at=NOW - timedelta(days=2))
    log_answer(services, "pricing long ago", [PRICING], at=NOW - timedelta(days=120))
    for n in range(3):
        rec = log_answer(services, f"checklist {n}", [CHECKLIST], at=NOW - timedelta(days=20))
        log_click(services, rec, FeedbackKind.NOT_USEFUL, user=f"U{n}", reason="outdated")
    for user in ("U1", "U2"):
        log_answer(services, "Spanish pricing sheet", asker=user, weak=True)


def test_digest_lists_never_surfaced_past_review_and_mostly_thumbs_down(
    ingested: Services,
) -> None:
    log_a_quarter(ingested)

    digest = weekly_digest(ingested, now=NOW)

    never = {a.item_id for a in digest.never_surfaced}
    assert PRICING in never  # surfaced 120 days ago only
    assert SEC not in never and CHECKLIST not in never
    assert len(never) == 32 - 2
    assert [a.item_id for a in digest.past_review] == [
        "blog-manufacturing-safety-stock",
        "bc-tidewell-vs-planright",
    ]
    assert [a.item_id for a in digest.mostly_not_useful] == [CHECKLIST]
    assert [a.item_id for a in digest.most_used] == [SEC]  # the checklist was 20 days ago
    [top_gap] = digest.gaps
    assert (top_gap.questions, top_gap.reps) == (2, 2)
    text = digest_text(digest)
    assert "Never surfaced in 90 days (30)" in text
    assert "review_by 2025-06-30, owner maya.chen@tidewell.example" in text
    assert "2 reps asked 2 times" in text


def test_cli_prints_the_digest_and_the_csv(ingested: Services, database_url: str) -> None:
    log_a_quarter(ingested)
    env = {"FUNNELBOT_HOME": str(ingested.settings.home), "FUNNELBOT_DATABASE_URL": database_url}
    runner = CliRunner()

    printed = runner.invoke(app, ["digest"], env=env)
    table = runner.invoke(app, ["stats", "--csv", "--days", "30"], env=env)
    refused = runner.invoke(app, ["digest", "--post"], env=env)

    assert printed.exit_code == 0, printed.output
    assert "Past their review_by date (2)" in printed.stdout
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].startswith("id,title,type,stages,url,owner,review_by,active,surfaced")
    assert len(lines) == 33
    assert any(line.startswith(f"{SEC},") and ",1,0,0,,0" in line for line in lines)
    assert refused.exit_code == 2 and "FUNNELBOT_MARKETING_CHANNEL" in refused.stderr


def test_cli_digest_speaks_the_terminals_language(ingested: Services, database_url: str) -> None:
    log_a_quarter(ingested)
    env = cli_env(ingested.settings.home, database_url)
    runner = CliRunner()

    dutch = runner.invoke(app, ["digest"], env={**env, "LANG": "nl_NL.UTF-8"})
    english = runner.invoke(app, ["digest"], env={**env, "LANG": "C.UTF-8"})

    assert dutch.exit_code == 0, dutch.output
    lines = dutch.stdout.splitlines()
    assert lines[0].startswith("Weekoverzicht van funnelbot, ")
    assert lines[1].startswith("Laatste 7 dagen: 3 vragen van 2 verkopers, 0 antwoorden beoordeeld")
    for heading in (
        "Grootste contentgaten (laatste 30 dagen):",
        "Meest gebruikte assets (laatste 7 dagen):",
        "Niet getoond in 90 dagen (30):",
        "Vooral 👎 (laatste 90 dagen):",
        "Over hun review_by-datum (2):",
    ):
        assert heading in lines
    assert "2 keer gevraagd door 2 verkopers" in dutch.stdout
    assert "review_by 2025-06-30, eigenaar maya.chen@tidewell.example" in dutch.stdout
    assert "  … en nog 10" in lines
    assert "tot afgerond n.v.t." in lines[2]
    assert "Never surfaced" not in dutch.stdout
    assert english.stdout.splitlines()[1].startswith(
        "Last 7 days: 3 questions from 2 reps, 0 answers rated (n/a useful)"
    )
    assert "Never surfaced in 90 days (30):" in english.stdout
