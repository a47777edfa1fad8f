"""`stats` and `digest` report the same grouped gaps; CLI questions are "from the command line"."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services
from tests.bot.log_rows import log_answer


def test_stats_and_digest_show_the_same_groups_and_name_the_command_line(
    ingested: Services, database_url: str
) -> None:
    for wording in ("Spanish pricing sheet", "spanish pricing sheet?", "Spanish pricing sheet"):
        log_answer(ingested, wording, asker=None, weak=True)  # `funnelbot ask` has no Slack user
    log_answer(ingested, "SOC 2 report", ["sec-security-whitepaper"], asker=None)
    env = {"FUNNELBOT_HOME": str(ingested.settings.home), "FUNNELBOT_DATABASE_URL": database_url}
    runner = CliRunner()

    stats = runner.invoke(app, ["stats"], env=env)
    digest = runner.invoke(app, ["digest"], env=env)

    assert stats.exit_code == 0, stats.output
    assert digest.exit_code == 0, digest.output
    group = "Asked 3 times from the command line: “Spanish pricing sheet”"
    assert stats.stdout.count(group) == 1  # one group, not three raw rows
    assert digest.stdout.count(group) == 1
    assert "spanish pricing sheet?" not in stats.stdout
    assert "4 questions from the command line" in digest.stdout
    assert "0 reps" not in digest.stdout + stats.stdout


def test_questions_from_reps_and_the_command_line_are_both_counted(ingested: Services) -> None:
    from content_store.stats import activity

    log_answer(ingested, "pricing?", asker="U1")
    log_answer(ingested, "pricing?", asker="U2")
    log_answer(ingested, "pricing?", asker=None)

    with ingested.sessions() as session:
        week = activity(session)

    assert (week.questions, week.reps, week.command_line) == (3, 2, 1)
    assert week.askers() == "(2 from 2 reps, 1 from the command line)"
