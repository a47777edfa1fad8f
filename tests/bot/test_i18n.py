"""The bot's words per language: stage lines, reasons, errors, locales and the settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answer import StageDecision, StageSource, crm_cue, say_reason
from bot.i18n import (
    N_,
    LocalizedError,
    Phrase,
    environment_language,
    language_of_locale,
    terminal_language,
    translator,
)
from bot.recommend import AmbiguousProspect, QuestionError
from bot.settings import Settings, SettingsError
from content_store.stage import Stage
from index.ranking import AssetMeta, QueryContext, Reason, explain, reason_for

EN, NL = translator("en"), translator("nl")
D, C, A = Stage.DECISION, Stage.CONSIDERATION, Stage.AWARENESS

words = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=12
)
reasons = st.builds(
    Reason,
    stages=st.lists(st.sampled_from(list(Stage)), max_size=3, unique=True).map(tuple),
    type=st.sampled_from(["comparison-guide", "faq", "case-study", "pricing-sheet"]),
    competitors=st.lists(words, max_size=2).map(tuple),
    tags=st.lists(words, max_size=2).map(tuple),
    terms=st.lists(words, max_size=2).map(tuple),
    off_stage=st.none() | st.sampled_from(list(Stage)),
)


@given(reasons)
def test_the_english_catalog_says_a_reason_exactly_as_the_log_keeps_it(reason: Reason) -> None:
    assert say_reason(reason, EN) == str(reason)


@given(reasons)
def test_a_reasons_parts_survive_the_log(reason: Reason) -> None:
    assert Reason.from_json(reason.to_json()) == reason


def test_explain_still_gives_the_english_line_reason_for_gives_its_parts() -> None:
    asset = AssetMeta(
        "cg", "Us vs Forecastly", None, "comparison-guide", (D,), competitors=("Forecastly",)
    )
    query = QueryContext(text="q", stage=D, competitors=frozenset({"forecastly"}))

    assert explain(asset, query) == "decision-stage comparison guide; covers Forecastly"
    assert reason_for(asset, query) == Reason((D,), "comparison-guide", competitors=("Forecastly",))


def test_reasons_in_dutch_name_the_stage_as_dutch_writes_it() -> None:
    single = Reason((D,), "comparison-guide", competitors=("Forecastly",))
    several = Reason((A, C), "case-study", terms=("voorraad",), off_stage=D)

    assert (
        say_reason(single, NL) == "comparison guide voor de beslissingsfase; behandelt Forecastly"
    )
    assert say_reason(several, NL) == (
        "case study voor de fasen bewustwording/overweging; over “voorraad”; "
        "niet geschreven voor de beslissingsfase"
    )


@pytest.mark.parametrize(
    ("decision", "english", "dutch"),
    [
        (
            StageDecision(D, StageSource.INFERRED, 0.55),
            "probably decision stage (inferred from the question and the closest assets, 55% sure)",
            "waarschijnlijk beslissingsfase (afgeleid uit de vraag en de best passende content, "
            "55% zeker)",
        ),
        (
            StageDecision(C, StageSource.STATED, 1.0, cue="evaluation"),
            "consideration stage, as you said",
            "overwegingsfase, zoals je aangaf",
        ),
        (
            StageDecision(D, StageSource.PROSPECT, 1.0, cue="Acme"),
            "decision stage, stored for Acme",
            "beslissingsfase, opgeslagen voor Acme",
        ),
        (
            StageDecision(D, StageSource.CRM, 1.0, cue=crm_cue("HubSpot", "Acme", "Contract sent")),
            "decision stage, from HubSpot: deal 'Acme' is in Contract sent",
            "beslissingsfase, volgens HubSpot: deal 'Acme' staat op Contract sent",
        ),
        (
            StageDecision(
                None,
                StageSource.UNKNOWN,
                0.0,
                note=Phrase(
                    N_("no open deal in %(crm)s for %(company)s"),
                    {"crm": "HubSpot", "company": "Acme"},
                ),
            ),
            "stage unknown: no stage stated, stored or recognisable in the question "
            "(no open deal in HubSpot for Acme)",
            "fase onbekend: geen fase genoemd, opgeslagen of herkenbaar in de vraag "
            "(geen open deal in HubSpot voor Acme)",
        ),
    ],
)
def test_the_stage_line_in_english_and_dutch(
    decision: StageDecision, english: str, dutch: str
) -> None:
    assert decision.explain() == english
    assert decision.explain(NL) == dutch


def test_errors_read_in_english_and_are_said_in_the_readers_language() -> None:
    empty = QuestionError(N_("the question is empty: ask about a prospect, a topic or a stage"))
    several = AmbiguousProspect(["Acme Foods", "Acme Logistics"])

    assert str(empty) == "the question is empty: ask about a prospect, a topic or a stage"
    assert NL.error(empty) == "de vraag is leeg: vraag naar een prospect, een onderwerp of een fase"
    assert str(several).startswith("several prospects match: Acme Foods, Acme Logistics")
    assert NL.error(several).startswith("meerdere prospects passen: Acme Foods, Acme Logistics")
    assert NL.error(ValueError("plain")) == "plain"  # an error without a catalog message
    assert isinstance(empty, LocalizedError) and isinstance(empty, ValueError)


def test_numbers_and_percentages_are_written_the_languages_way() -> None:
    assert (EN.number(12345), NL.number(12345)) == ("12,345", "12.345")
    assert (EN.number(0.3, "0.00"), NL.number(0.3, "0.00")) == ("0.30", "0,30")
    for rate in (0.545, 0.125, 0.8, 1 / 3):
        assert EN.percent(rate) == f"{rate:.0%}"  # English reads as it always did


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("nl-NL", "nl"),
        ("nl_BE.UTF-8", "nl"),
        ("en-GB", "en"),
        ("de-DE", None),
        ("C", None),
        ("", None),
        ("de:nl", "nl"),
    ],
)
def test_a_locale_names_a_catalog_language(locale: str, language: str | None) -> None:
    assert language_of_locale(locale) == language


def test_the_terminal_language_is_read_as_gettext_reads_it() -> None:
    assert terminal_language({"LANG": "nl_NL.UTF-8"}) == "nl"
    assert terminal_language({"LC_ALL": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"}) == "en"
    assert terminal_language({"LANGUAGE": "fr:nl", "LANG": "en_US.UTF-8"}) == "nl"
    assert terminal_language({"LANGUAGE": "fr", "LANG": "nl_BE.UTF-8"}) == "nl"
    assert terminal_language({"LANG": "C.UTF-8"}) is None
    assert terminal_language({}) is None


def test_the_environment_language_needs_no_settings() -> None:
    assert environment_language({"LANG": "nl_NL.UTF-8", "FUNNELBOT_LANGUAGE": "en"}) == "nl"
    assert environment_language({"LANG": "C.UTF-8", "FUNNELBOT_LANGUAGE": "NL"}) == "nl"
    # A FUNNELBOT_LANGUAGE the settings would refuse: English, so the refusal can be said.
    assert environment_language({"FUNNELBOT_LANGUAGE": "de"}) == "en"
    assert environment_language({}) == "en"


def test_a_settings_error_is_said_in_each_language() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"FUNNELBOT_CRAWL_MAX_PAGES": "0"})
    assert str(refused.value) == "FUNNELBOT_CRAWL_MAX_PAGES must be between 1 and 100000, got 0"
    assert NL.error(refused.value) == (
        "FUNNELBOT_CRAWL_MAX_PAGES moet tussen 1 en 100000 liggen, maar is 0"
    )


def test_funnelbot_language_must_name_a_catalog() -> None:
    assert Settings.from_env({"FUNNELBOT_LANGUAGE": "NL"}).language == "nl"
    assert Settings.from_env({}).language == "en"
    assert Settings.from_env({"LANG": "nl_NL.UTF-8"}).terminal_language == "nl"
    with pytest.raises(SettingsError, match=r"FUNNELBOT_LANGUAGE must be one of en, nl, got 'de'"):
        Settings.from_env({"FUNNELBOT_LANGUAGE": "de"})


def test_a_stage_in_a_phrase_is_said_as_the_languages_stage_phrase() -> None:
    phrase = Phrase(
        N_("%(stage)s, %(cue)s (changed %(date)s)"), {"stage": D, "cue": "x", "date": "2027-01-02"}
    )
    assert str(phrase) == "decision stage, x (changed 2027-01-02)"
    assert NL.say(phrase) == "beslissingsfase, x (gewijzigd 2027-01-02)"
    assert NL.stage_label("consideration") == "Overweging"
    assert NL.stage("not stored") == "not stored"  # not a stage: as it is
