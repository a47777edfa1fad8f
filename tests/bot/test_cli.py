"""The funnelbot command line, run in-process on the real model and database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answer import StageDecision, StageSource
from bot.cli import app
from bot.i18n import translator
from bot.services import Services
from content_store.stage import Stage
from tests.conftest import EXAMPLES, cli_env


@pytest.fixture
def cli(tmp_path: Path, database_url: str):
    runner = CliRunner()
    env = {"FUNNELBOT_HOME": str(tmp_path / "home"), "FUNNELBOT_DATABASE_URL": database_url}

    def run(*args: str, stdin: str | None = None):
        return runner.invoke(app, list(args), env=env, input=stdin)

    return run


def test_ingest_ask_log_and_stats(cli, library: Path) -> None:
    ingested = cli("ingest", str(library))
    assert ingested.exit_code == 0, ingested.output
    assert "32 added" in ingested.output
    # Not a terminal: plain progress lines, no bars.
    assert ingested.stderr.startswith("reading files\nembedding ")

    asked = cli("ask", "prospect asked for our SOC 2 report", "--json")
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert set(answer) >= {"question", "stage", "stage_source", "items", "latency_ms"}
    assert answer["stage"] in {"awareness", "consideration", "decision"}  # inferred by the model
    assert answer["stage_source"] == "inferred"
    assert answer["items"][0]["id"] == "sec-security-whitepaper"
    assert set(answer["items"][0]) == {"id", "title", "url", "type", "stages", "score", "reason"}

    logged = cli("log", "--json", "--limit", "5")
    rows = json.loads(logged.stdout)
    assert [r["question"] for r in rows] == ["prospect asked for our SOC 2 report"]
    assert rows[0]["source"] == "cli"
    assert rows[0]["items"][0]["id"] == "sec-security-whitepaper"

    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["questions"] == 1
    assert any(a["item_id"] == "sec-security-whitepaper" for a in stats["most_surfaced"])
    never = {item_id for item_id, _title in stats["never_surfaced"]}
    assert "sec-security-whitepaper" not in never
    assert len(never) == 32 - len(answer["items"])


def test_ask_reads_questions_from_stdin_in_order(cli, library: Path) -> None:
    cli("ingest", str(library))
    questions = ["pricing for 40 stores", "", "why not spreadsheets?", "SOC 2 report"]

    result = cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [q for q in questions if q]


def test_strict_ingest_fails_on_a_bad_file_but_ingests_the_rest(cli, library: Path) -> None:
    (library / "bad.md").write_text("no front matter here\n", encoding="utf-8")

    lenient = cli("ingest", str(library))
    strict = cli("ingest", "--strict", str(library))

    assert lenient.exit_code == 0
    assert "bad.md" in lenient.stderr
    assert strict.exit_code == 1
    assert "32 added" in lenient.stdout


def test_prospect_set_then_show(cli) -> None:
    assert cli("prospect", "set", "Acme", "evaluation").exit_code == 0
    assert cli("prospect", "set", "ACME", "negotiation").exit_code == 0

    shown = cli("prospect", "show", "acme")

    assert shown.exit_code == 0
    assert "Acme" in shown.stdout or "ACME" in shown.stdout
    assert "decision stage" in shown.stdout
    assert shown.stdout.count("consideration") == 1


def test_bad_stage_is_a_clear_error(cli) -> None:
    result = cli("prospect", "set", "Acme", "later")
    assert result.exit_code == 2
    assert "unknown stage 'later'" in result.stderr


def test_eval_funnelbot_beats_every_plain_baseline_on_the_development_set(
    cli, library: Path
) -> None:
    cli("ingest", str(library))

    result = cli("eval", str(EXAMPLES / "questions.jsonl"), "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    figures = report["slices"]["all"]
    systems = figures["systems"]
    for baseline in ("fused", "dense", "lexical"):
        assert systems["funnelbot"]["ndcg@5"] > systems[baseline]["ndcg@5"], baseline
    for scores in systems.values():
        low, high = scores["ndcg@5_ci95"]
        assert low <= scores["ndcg@5"] <= high and high - low < 0.3
    gain = figures["over_best_baseline"]
    best = max(("fused", "dense", "lexical"), key=lambda s: systems[s]["ndcg@5"])
    assert gain["baseline"] == best
    assert gain["ndcg@5"] == pytest.approx(systems["funnelbot"]["ndcg@5"] - systems[best]["ndcg@5"])
    assert gain["ci95"][0] <= gain["ndcg@5"] <= gain["ci95"][1]
    low, high = figures["stage_accuracy_ci95"]
    assert low <= figures["stage_accuracy"] <= high
    assert set(report["slices"]) == {"all", "en", "nl"}
    assert 0.0 <= figures["ece"] <= 1.0 and figures["reliability"]
    assert figures["weak_match"]["no_answer"] >= 15
    assert report["unknown_ids"] == []


def test_eval_on_a_library_folder_ingests_it_into_a_scratch_home(
    cli, library: Path, tmp_path: Path
) -> None:
    result = cli("eval", str(library), str(EXAMPLES / "questions.jsonl"))

    assert result.exit_code == 0, result.output
    printed = " ".join(result.stdout.split())
    assert "stage accuracy" in printed and "BM25 only" in printed
    assert "expected calibration error" in printed
    assert "weak-match flag: precision" in printed
    assert "95% CI" in printed and "95% interval" in printed
    assert "funnelbot against the best plain system (plain hybrid" in printed
    # The scratch home is thrown away: the configured home got no index.
    assert not (tmp_path / "home" / "index").exists()


def test_ask_speaks_the_terminals_language(
    tmp_path: Path, database_url: str, library: Path
) -> None:
    runner = CliRunner()
    env = {"FUNNELBOT_HOME": str(tmp_path / "home"), "FUNNELBOT_DATABASE_URL": database_url}
    assert runner.invoke(app, ["ingest", str(library)], env=env).exit_code == 0
    question = "prospect asked for our SOC 2 report"
    dutch_terminal = {**env, "LANG": "nl_NL.UTF-8"}

    dutch = runner.invoke(app, ["ask", question], env=dutch_terminal)
    english = runner.invoke(app, ["ask", question], env={**env, "LANG": "C.UTF-8"})
    as_json = runner.invoke(app, ["ask", question, "--json"], env=dutch_terminal)
    empty = runner.invoke(app, ["ask", " "], env=dutch_terminal)

    assert dutch.exit_code == 0, dutch.output
    # --json is for programs: the same English whatever the terminal.
    answer = json.loads(as_json.stdout)
    assert "-stage " in answer["items"][0]["reason"]
    stage = StageDecision(
        Stage(answer["stage"]), StageSource(answer["stage_source"]), answer["stage_confidence"]
    )
    assert f"Fase: {stage.explain(translator('nl'))}" in dutch.stdout
    assert f"Stage: {stage.explain()}" in english.stdout
    assert "Stage:" not in dutch.stdout
    assert " voor de " in dutch.stdout  # an asset's reason: "battlecard voor de beslissingsfase"
    assert "vastgelegd als #1" in dutch.stdout
    assert "logged as #2" in english.stdout
    assert empty.exit_code == 2
    assert "de vraag is leeg" in empty.stderr


def test_ingest_stats_prospect_and_sources_speak_the_terminals_language(
    tmp_path: Path, database_url: str, library: Path
) -> None:
    runner = CliRunner()
    env = cli_env(tmp_path / "home", database_url)
    dutch_terminal = {**env, "LANG": "nl_NL.UTF-8"}
    english_terminal = {**env, "LANG": "C.UTF-8"}

    ingested = runner.invoke(app, ["ingest", str(library)], env=dutch_terminal)
    assert ingested.exit_code == 0, ingested.output
    assert "32 toegevoegd, 0 gewijzigd, 0 verwijderd, 0 ongewijzigd, 0 mislukt" in ingested.stdout
    assert ingested.stderr.startswith("bestanden lezen\n")
    runner.invoke(app, ["ask", "prospect asked for our SOC 2 report"], env=dutch_terminal)

    dutch = runner.invoke(app, ["stats"], env=dutch_terminal)
    english = runner.invoke(app, ["stats"], env=english_terminal)

    assert dutch.exit_code == 0, dutch.output
    for heading in ("1 vraag, ", "Bibliotheek: ", "Meest getoond", "Nooit getoond (", "Per fase"):
        assert heading in dutch.stdout
    assert "Contentgaten, gegroepeerd" in dutch.stdout
    assert "Most surfaced" not in dutch.stdout
    # The library's own words stay as it wrote them: asset titles and types.
    assert "SOC 2" in dutch.stdout or "Security" in dutch.stdout
    assert english.stdout.startswith("1 question, 0 with weak matches\n")
    for heading in ("Library: ", "Most surfaced", "Never surfaced (", "By stage"):
        assert heading in english.stdout

    assert runner.invoke(
        app, ["prospect", "set", "Acme", "decision"], env=dutch_terminal
    ).stdout == ("Acme zit nu in de beslissingsfase.\n")
    shown = runner.invoke(app, ["prospect", "show", "Acme"], env=dutch_terminal)
    assert shown.stdout.startswith("Acme: beslissingsfase\n")
    assert " beslissing door cli" in shown.stdout
    listed = runner.invoke(app, ["sources"], env=dutch_terminal)
    assert "folder, items: 32, laatste run" in listed.stdout


def test_eval_tables_speak_the_terminals_language_and_json_stays_english(
    ingested: Services, database_url: str, tmp_path: Path
) -> None:
    # A few development questions, English and Dutch, one with no good asset: enough for
    # every table and line of the report.
    lines = (EXAMPLES / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(lines[:3] + lines[70:72] + lines[89:90]) + "\n")
    env = cli_env(ingested.settings.home, database_url)
    dutch_terminal = {**env, "LANG": "nl_NL.UTF-8"}
    runner = CliRunner()

    dutch = runner.invoke(app, ["eval", str(questions)], env=dutch_terminal)
    english = runner.invoke(app, ["eval", str(questions)], env={**env, "LANG": "C.UTF-8"})
    as_json = runner.invoke(app, ["eval", str(questions), "--json"], env=dutch_terminal)
    not_a_folder = runner.invoke(app, ["eval", str(questions), str(questions)], env=dutch_terminal)

    assert dutch.exit_code == 0, dutch.output
    printed = " ".join(dutch.stdout.split())
    for words in (
        "alle vragen (gerangschikt: 5)",  # the one with no good asset is not ranked
        "taal: nl (gerangschikt: 2)",
        "systeem",
        "alleen BM25",
        "fasenauwkeurigheid: ",
        "van 6 (95%-interval ",
        "geen fase telt als fout); verwachte kalibratiefout 0.",  # figures stay plain
        "funnelbot tegenover het beste gewone systeem (",
        "signaal zwakke treffer: precisie 0.",
        "betrouwbaarheid van de fase",
        "gemiddelde zekerheid",
    ):
        assert words in printed, words
    assert "stage accuracy" not in printed and "BM25 only" not in printed
    in_english = " ".join(english.stdout.split())
    assert "all questions (5 ranked)" in in_english and "BM25 only" in in_english
    assert "stage accuracy: " in in_english and "stage reliability" in in_english
    report = json.loads(as_json.stdout)
    assert set(report["slices"]) == {"all", "en", "nl"}
    assert "stage_accuracy" in report["slices"]["all"]
    assert not_a_folder.exit_code == 2
    assert not_a_folder.stderr == (
        f"error: {questions} is geen map: geef de contentbibliotheek op waarop geëvalueerd wordt\n"
    )
