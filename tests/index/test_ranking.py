"""Ranking math: rank fusion per asset, fit from the library's own vocabulary, reasons."""

from __future__ import annotations

import pytest

import index.ranking as ranking
from content_store.stage import Stage
from index.filler import is_filler
from index.ranking import (
    AssetMeta,
    Candidate,
    QueryContext,
    Vocabulary,
    explain,
    fit_adjustment,
    fuse_assets,
    rank_assets,
    read_query,
    shared_terms,
    single_retriever,
    stage_fit,
)

A, C, D = Stage.AWARENESS, Stage.CONSIDERATION, Stage.DECISION


def meta(
    asset_id: str,
    *,
    type: str = "blog",
    stages: tuple[Stage, ...] = (C,),
    title: str | None = None,
    tags: tuple[str, ...] = (),
    competitors: tuple[str, ...] = (),
) -> AssetMeta:
    return AssetMeta(
        id=asset_id,
        title=title or asset_id,
        url=f"https://example.com/{asset_id}",
        type=type,
        stages=stages,
        tags=tags,
        competitors=competitors,
    )


def candidates(relevance: dict[str, float]) -> list[Candidate]:
    return [
        Candidate(asset_id=a, chunk_id=i, cosine=r, lexical=0.0, relevance=r)
        for i, (a, r) in enumerate(relevance.items(), start=1)
    ]


def ranked_ids(
    relevance: dict[str, float], assets: dict[str, AssetMeta], query: QueryContext | None, k=5
) -> list[str]:
    return [r.asset_id for r in rank_assets(candidates(relevance), assets, query, k=k)]


# --- fusion -----------------------------------------------------------------------------------

OWNERS = {1: "a", 2: "a", 3: "b", 4: "c", 5: "d"}


def test_first_for_both_retrievers_scores_one_and_groups_chunks_by_asset() -> None:
    fused = fuse_assets([(1, 0.8), (3, 0.6), (2, 0.5)], [(2, 12.0), (4, 3.0)], OWNERS)
    by_id = {c.asset_id: c for c in fused}
    assert fused[0].asset_id == "a" and fused[0].relevance == pytest.approx(1.0)
    assert by_id["a"].cosine == pytest.approx(0.8) and by_id["a"].lexical == pytest.approx(12.0)
    assert set(by_id) == {"a", "b", "c"}


def test_fusion_does_not_depend_on_either_scores_scale() -> None:
    dense = [(1, 0.8), (3, 0.6), (4, 0.3)]
    lexical = [(4, 9.0), (3, 2.0)]
    plain = fuse_assets(dense, lexical, OWNERS)
    scaled = fuse_assets(
        [(c, s * 0.1) for c, s in dense], [(c, s * 1000) for c, s in lexical], OWNERS
    )
    assert [(c.asset_id, c.relevance) for c in plain] == [
        (c.asset_id, pytest.approx(c.relevance)) for c in scaled
    ]


def test_a_chunk_found_only_by_bm25_gets_its_real_cosine() -> None:
    real = {5: 0.7}
    fused = fuse_assets(
        [(1, 0.8)], [(5, 4.0)], OWNERS, cosines_of=lambda ids: [real[i] for i in ids]
    )
    by_id = {c.asset_id: c for c in fused}
    assert by_id["d"].cosine == pytest.approx(0.7)
    # With its real cosine it ranks on the dense side too, so it beats a BM25-only rank alone.
    alone = {c.asset_id: c for c in fuse_assets([(1, 0.8)], [(5, 4.0)], OWNERS)}
    assert by_id["d"].relevance > alone["d"].relevance


def test_chunks_of_unknown_assets_are_dropped_and_nothing_in_gives_nothing_out() -> None:
    assert [c.asset_id for c in fuse_assets([(99, 0.9), (1, 0.5)], [], OWNERS)] == ["a"]
    assert fuse_assets([], [], OWNERS) == []


def test_a_single_retriever_baseline_orders_assets_by_their_best_chunk() -> None:
    baseline = single_retriever([(3, 0.4), (2, 0.9), (1, 0.2)], OWNERS, dense=True)
    assert [(c.asset_id, c.relevance) for c in baseline] == [("a", 0.9), ("b", 0.4)]


# --- stage and fit -----------------------------------------------------------------------------


def test_stage_fit_rewards_the_stage_and_penalises_distance() -> None:
    assert stage_fit(D, (D,)) == 1.0
    assert stage_fit(D, (A,)) <= stage_fit(D, (C,)) < 0.0
    assert stage_fit(D, (A, C)) == stage_fit(D, (C,))  # the nearest stage counts
    assert stage_fit(None, (D,)) == 0.0 and stage_fit(D, ()) == 0.0


def test_the_stage_weighs_in_proportion_to_its_confidence() -> None:
    asset = meta("x", stages=(D,))
    sure = fit_adjustment(asset, QueryContext(text="q", stage=D, stage_confidence=1.0))
    half = fit_adjustment(asset, QueryContext(text="q", stage=D, stage_confidence=0.5))
    assert sure == pytest.approx(2 * half) and half > 0


def test_a_decision_asset_moves_above_an_equally_relevant_awareness_one() -> None:
    assets = {"aw": meta("aw", stages=(A,)), "de": meta("de", stages=(D,))}
    query = QueryContext(text="q", stage=D)
    assert ranked_ids({"aw": 0.8, "de": 0.8}, assets, query) == ["de", "aw"]
    assert ranked_ids({"aw": 0.8, "de": 0.8}, assets, None) == ["aw", "de"]  # a baseline: no fit


def test_fit_adds_the_competitor_tag_and_type_the_question_names() -> None:
    asset = meta("bc", type="battlecard", tags=("retail",), competitors=("Forecastly",))
    plain = QueryContext(text="q", stage=None)
    named = QueryContext(
        text="q",
        stage=None,
        competitors=frozenset({"forecastly"}),
        tags=frozenset({"retail"}),
        types=frozenset({"battlecard"}),
    )
    assert fit_adjustment(asset, plain) == 0.0
    assert fit_adjustment(asset, named) == pytest.approx(
        ranking.COMPETITOR_BONUS + ranking.TAG_BONUS + ranking.TYPE_BONUS
    )


def test_assets_not_in_the_library_are_never_returned_and_k_is_respected() -> None:
    assets = {f"a{i}": meta(f"a{i}") for i in range(8)}
    relevance = {f"a{i}": 1 - i / 10 for i in range(8)} | {"gone": 2.0}
    assert ranked_ids(relevance, assets, QueryContext(text="q", stage=None), k=3) == [
        "a0",
        "a1",
        "a2",
    ]


# --- vocabulary: the library's own words ------------------------------------------------------


def library() -> list[AssetMeta]:
    return [
        meta("cs", type="case-study", tags=("healthcare", "roi")),
        meta("bc", type="battlecard", competitors=("PlanRight",)),
        meta("ps", type="pricing-sheet", tags=("food-and-beverage",)),
    ]


def test_types_tags_and_competitors_come_from_what_the_assets_declare() -> None:
    vocabulary = Vocabulary.from_library(library())
    query = read_query(
        "any case studies on ROI for food and beverage? they use planright", D, vocabulary
    )
    assert query.types == {"case-study"}
    assert query.tags == {"roi", "food-and-beverage"}
    assert query.competitors == {"planright"}
    assert query.stage is D


def test_a_teams_funnelbot_yml_adds_its_reps_words() -> None:
    config = {
        "types": {"case-study": ["klantverhaal"], "pricing-sheet": ["prijslijst"]},
        "industries": {"healthcare": ["ziekenhuis", "hospitals"]},
        "competitors": ["Salaro"],
        "stages": {"decision": ["in legal"]},
    }
    vocabulary = Vocabulary.from_library(library(), config)
    query = read_query(
        "klantverhaal voor een ziekenhuis, ze twijfelen met Salaro", None, vocabulary
    )
    assert query.types == {"case-study"}
    assert query.tags == {"healthcare"}
    assert query.competitors == {"salaro"}
    assert vocabulary.industries == {"healthcare"}
    assert vocabulary.stage_phrases == {D: ("in legal",)}


def test_names_match_whole_words_only() -> None:
    vocabulary = Vocabulary.from_library(library())
    query = read_query("they run PlanRightly and a roister of healthcareers", None, vocabulary)
    assert not query.competitors and not query.tags


def test_nothing_company_specific_without_a_library() -> None:
    query = read_query("pricing for a retailer vs Forecastly", D, Vocabulary())
    assert (query.types, query.tags, query.competitors) == (frozenset(), frozenset(), frozenset())


# --- reasons ----------------------------------------------------------------------------------


def test_a_reason_names_the_stage_the_type_and_the_competitor_covered() -> None:
    asset = meta("bc", type="battlecard", stages=(C,), competitors=("PlanRight",))
    query = QueryContext(text="q", stage=C, competitors=frozenset({"planright"}))
    assert explain(asset, query) == "consideration-stage battlecard; covers PlanRight"


def test_a_reason_says_when_the_asset_is_not_written_for_the_stage() -> None:
    asset = meta("bl", type="blog", stages=(A,))
    reason = explain(asset, QueryContext(text="q", stage=D))
    assert reason == "awareness-stage blog; not written for decision stage"


def test_a_reason_quotes_passage_words_the_question_shares_never_filler() -> None:
    asset = meta("faq", type="faq", stages=(D,), title="Contract and legal FAQ")
    question = "deal is basically won, only thing left is redlines on the paper"
    passage = "Redlines: we accept the customer's paper for the MSA when it is left as is."
    reason = explain(asset, QueryContext(text=question, stage=D), passage, is_filler=is_filler)
    assert "Redlines" in reason
    for filler in ("left", "only", "thing", "basically", "the", "on"):
        assert f"“{filler}”" not in reason.casefold()


def test_shared_terms_skip_short_words_digits_and_words_the_passage_lacks() -> None:
    found = shared_terms("need SOC 2 and the pen test for 2027", "Our SOC 2 report and pen test")
    assert found == ["test"]  # soc, pen, 2, 2027: too short or digits
    assert shared_terms("their hospitals", "Hospital supply chains", is_filler=is_filler) == [
        "Hospital"
    ]
