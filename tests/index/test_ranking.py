"""Ranking math over ids and scores: fusion, fit re-ranking, diversification, explanations."""

from __future__ import annotations

import pytest

from content_store.stage import Stage
from index.ranking import (
    COMPETITOR_BONUS,
    DENSE_WEIGHT,
    SAME_TYPE_PENALTY,
    STAGE_FAR_PENALTY,
    STAGE_MATCH_BONUS,
    STAGE_ONE_OFF_PENALTY,
    TAG_BONUS,
    TYPE_BONUS,
    AssetMeta,
    QueryContext,
    explain,
    fit_adjustment,
    fuse,
    matched_terms,
    rank_assets,
    read_query,
    stage_adjustment,
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


def plain_query(stage: Stage | None = None, text: str = "question") -> QueryContext:
    return QueryContext(text=text, stage=stage)


def one_chunk_each(
    relevance: dict[str, float],
) -> tuple[dict[int, tuple[float, float]], dict[int, str]]:
    """One chunk per asset with the given fused score (cosine set equal to it)."""
    scores: dict[int, tuple[float, float]] = {}
    owners: dict[int, str] = {}
    for chunk_id, (asset_id, fused) in enumerate(relevance.items(), start=1):
        scores[chunk_id] = (fused, fused)
        owners[chunk_id] = asset_id
    return scores, owners


def ranked_ids(
    relevance: dict[str, float],
    assets: dict[str, AssetMeta],
    query: QueryContext,
    *,
    k: int = 5,
    diversify: bool = True,
) -> list[str]:
    scores, owners = one_chunk_each(relevance)
    return [
        r.asset_id for r in rank_assets(scores, owners, assets, query, k=k, diversify=diversify)
    ]


# --- fuse -------------------------------------------------------------------------------------


def test_fuse_scales_bm25_by_its_best_score_so_both_retrievers_share_one_scale() -> None:
    dense = [(1, 0.8), (2, 0.6)]
    lexical = [(1, 12.0), (2, 3.0)]  # raw BM25: 12 is the best, so it becomes 1.0

    fused = fuse(dense, lexical)

    assert fused[1] == pytest.approx((DENSE_WEIGHT * 0.8 + (1 - DENSE_WEIGHT) * 1.0, 0.8))
    assert fused[2] == pytest.approx((DENSE_WEIGHT * 0.6 + (1 - DENSE_WEIGHT) * 0.25, 0.6))


def test_fuse_result_does_not_depend_on_the_raw_bm25_magnitude() -> None:
    dense = [(1, 0.7), (2, 0.4)]
    small = fuse(dense, [(1, 2.0), (2, 1.0)])
    large = fuse(dense, [(1, 200.0), (2, 100.0)])

    for chunk_id in (1, 2):
        assert small[chunk_id] == pytest.approx(large[chunk_id])
        assert 0.0 <= small[chunk_id][0] <= 1.0


def test_fuse_keeps_chunks_found_by_only_one_retriever() -> None:
    fused = fuse([(1, 0.9), (2, 0.5)], [(1, 5.0), (3, 4.0)])

    assert set(fused) == {1, 2, 3}


def test_fuse_gives_a_lexical_only_chunk_the_weakest_observed_cosine_not_zero() -> None:
    fused = fuse([(1, 0.9), (2, 0.5)], [(1, 5.0), (3, 4.0)])

    score, cosine = fused[3]
    assert cosine == pytest.approx(0.5)  # the weakest cosine the dense retriever returned
    assert score == pytest.approx(DENSE_WEIGHT * 0.5 + (1 - DENSE_WEIGHT) * 4.0 / 5.0)


def test_fuse_ranks_a_dense_only_chunk_below_one_with_equal_cosine_and_a_keyword_match() -> None:
    fused = fuse([(1, 0.6), (2, 0.6), (3, 0.6)], [(1, 10.0), (3, 1.0)])

    # Chunk 2 was not found by BM25 at all; chunk 1 was its best hit.
    assert fused[2][0] < fused[1][0]
    assert fused[2][1] == pytest.approx(0.6)


def test_fuse_with_no_lexical_hits_is_the_weighted_cosine() -> None:
    fused = fuse([(1, 0.8), (2, 0.3)], [])

    assert fused[1] == pytest.approx((DENSE_WEIGHT * 0.8, 0.8))
    assert fused[2] == pytest.approx((DENSE_WEIGHT * 0.3, 0.3))


def test_fuse_dense_weight_one_is_pure_cosine_and_zero_is_pure_scaled_bm25() -> None:
    only_dense = fuse([(1, 0.8), (2, 0.3)], [], dense_weight=1.0)
    only_lexical = fuse([], [(1, 8.0), (2, 2.0)], dense_weight=0.0)

    assert only_dense[1][0] == pytest.approx(0.8)
    assert only_dense[2][0] == pytest.approx(0.3)
    assert only_lexical[1][0] == pytest.approx(1.0)
    assert only_lexical[2][0] == pytest.approx(0.25)


def test_fuse_of_nothing_is_empty() -> None:
    assert fuse([], []) == {}


# --- stage_adjustment / fit_adjustment -------------------------------------------------------


def test_stage_adjustment_rewards_a_matching_stage() -> None:
    assert stage_adjustment(D, (D,)) == pytest.approx(STAGE_MATCH_BONUS)
    assert stage_adjustment(C, (A, C)) == pytest.approx(STAGE_MATCH_BONUS)


def test_stage_adjustment_penalises_a_far_stage_more_than_a_neighbouring_one() -> None:
    one_off = stage_adjustment(D, (C,))
    far = stage_adjustment(D, (A,))

    assert one_off == pytest.approx(-STAGE_ONE_OFF_PENALTY)
    assert far == pytest.approx(-STAGE_FAR_PENALTY)
    assert far < one_off < 0


def test_stage_adjustment_measures_distance_to_the_nearest_stage_of_the_asset() -> None:
    # Awareness and decision are each one step from consideration.
    assert stage_adjustment(C, (A, D)) == pytest.approx(-STAGE_ONE_OFF_PENALTY)
    # Consideration is one step from awareness even though decision is two away.
    assert stage_adjustment(A, (C, D)) == pytest.approx(-STAGE_ONE_OFF_PENALTY)


def test_stage_adjustment_is_neutral_without_a_query_stage_or_asset_stages() -> None:
    assert stage_adjustment(None, (D,)) == 0.0
    assert stage_adjustment(D, ()) == 0.0


def test_fit_adjustment_adds_each_signal_the_asset_matches() -> None:
    asset = meta(
        "battlecard",
        type="battlecard",
        stages=(D,),
        tags=("retail", "pricing", "procurement"),
        competitors=("PlanRight",),
    )
    query = QueryContext(
        text="",
        stage=D,
        competitors=frozenset({"planright"}),
        tags=frozenset({"retail", "pricing", "procurement"}),
        types=frozenset({"battlecard"}),
    )

    # Tag bonus counts at most two shared tags.
    expected = STAGE_MATCH_BONUS + COMPETITOR_BONUS + 2 * TAG_BONUS + TYPE_BONUS
    assert fit_adjustment(asset, query) == pytest.approx(expected)


def test_fit_adjustment_ignores_signals_the_asset_does_not_share() -> None:
    asset = meta("blog", type="blog", stages=(D,), tags=("retail",), competitors=("Forecastly",))
    query = QueryContext(
        text="",
        stage=None,
        competitors=frozenset({"planright"}),
        tags=frozenset({"healthcare"}),
        types=frozenset({"case-study"}),
    )

    assert fit_adjustment(asset, query) == 0.0


# --- rank_assets -----------------------------------------------------------------------------


def test_rank_assets_returns_one_result_per_asset_scored_by_its_best_chunk() -> None:
    assets = {"wp": meta("wp"), "faq": meta("faq", type="faq")}
    scores = {
        1: (0.40, 0.50),
        2: (0.70, 0.60),  # wp's best fused chunk
        3: (0.55, 0.80),  # wp's best cosine, but not its best fused score
        4: (0.60, 0.60),
    }
    owners = {1: "wp", 2: "wp", 3: "wp", 4: "faq"}

    ranked = rank_assets(scores, owners, assets, plain_query(), k=5)

    assert [r.asset_id for r in ranked] == ["wp", "faq"]
    wp = ranked[0]
    assert wp.relevance == pytest.approx(0.70)
    assert wp.chunk_id == 2
    assert wp.dense == pytest.approx(0.80)  # the best cosine of any of its chunks


def test_rank_assets_best_chunk_does_not_depend_on_chunk_order() -> None:
    assets = {"wp": meta("wp")}
    forward = {1: (0.30, 0.90), 2: (0.70, 0.40)}
    backward = {2: (0.70, 0.40), 1: (0.30, 0.90)}
    owners = {1: "wp", 2: "wp"}

    for scores in (forward, backward):
        [only] = rank_assets(scores, owners, assets, plain_query(), k=5)
        assert only.relevance == pytest.approx(0.70)
        assert only.chunk_id == 2
        assert only.dense == pytest.approx(0.90)


def test_stage_fit_moves_a_decision_asset_above_an_equally_relevant_awareness_one() -> None:
    assets = {"aware": meta("aware", stages=(A,)), "decide": meta("decide", stages=(D,))}
    relevance = {"aware": 0.6, "decide": 0.6}

    assert ranked_ids(relevance, assets, plain_query(D)) == ["decide", "aware"]
    assert ranked_ids(relevance, assets, plain_query(A)) == ["aware", "decide"]


def test_stage_fit_outweighs_a_small_relevance_gap() -> None:
    assets = {"aware": meta("aware", stages=(A,)), "decide": meta("decide", stages=(D,))}
    # 0.65 + match bonus beats 0.70 - far penalty.
    relevance = {"aware": 0.70, "decide": 0.65}

    assert ranked_ids(relevance, assets, plain_query(D)) == ["decide", "aware"]
    assert ranked_ids(relevance, assets, plain_query(None)) == ["aware", "decide"]


def test_a_neighbouring_stage_asset_ranks_above_a_far_stage_one_at_equal_relevance() -> None:
    assets = {
        "far": meta("far", type="faq", stages=(A,)),
        "near": meta("near", type="blog", stages=(C,)),
    }
    relevance = {"far": 0.5, "near": 0.5}

    ranked = rank_assets(*one_chunk_each(relevance), assets, plain_query(D), k=5)

    assert [r.asset_id for r in ranked] == ["near", "far"]
    assert ranked[0].score == pytest.approx(0.5 - STAGE_ONE_OFF_PENALTY)
    assert ranked[1].score == pytest.approx(0.5 - STAGE_FAR_PENALTY)


def test_competitor_named_in_the_query_lifts_an_asset_that_lists_that_competitor() -> None:
    assets = {
        "generic": meta("generic", type="comparison-guide"),
        "vs-planright": meta("vs-planright", type="battlecard", competitors=("PlanRight",)),
    }
    relevance = {"generic": 0.65, "vs-planright": 0.6}
    names = ["PlanRight", "Forecastly"]

    asks = read_query("how do we beat planright?", None, known_competitors=names, known_tags=[])
    other = read_query("how do we beat forecastly?", None, known_competitors=names, known_tags=[])

    assert ranked_ids(relevance, assets, asks) == ["vs-planright", "generic"]
    assert ranked_ids(relevance, assets, other) == ["generic", "vs-planright"]


def test_diversify_lets_a_slightly_weaker_case_study_into_the_top_five_of_blog_posts() -> None:
    blogs = {f"blog-{i}": meta(f"blog-{i}", type="blog") for i in range(1, 6)}
    assets = {**blogs, "story": meta("story", type="case-study")}
    top = 0.80
    # Each blog already picked costs the next blog SAME_TYPE_PENALTY. The case study sits 2.5
    # penalties below, so it beats the 4th blog (3 penalties down) but not the 3rd (2 down).
    relevance = {name: top for name in blogs} | {"story": top - 2.5 * SAME_TYPE_PENALTY}

    ranked = rank_assets(*one_chunk_each(relevance), assets, plain_query(), k=5)
    types = [assets[r.asset_id].type for r in ranked]

    assert types == ["blog", "blog", "blog", "case-study", "blog"]
    assert len({r.asset_id for r in ranked}) == 5
    assert ranked[3].score == pytest.approx(top - 2.5 * SAME_TYPE_PENALTY)
    assert ranked[4].score == pytest.approx(top - 3 * SAME_TYPE_PENALTY)
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)


def test_without_diversify_the_top_five_is_pure_score_order() -> None:
    blogs = {f"blog-{i}": meta(f"blog-{i}", type="blog") for i in range(1, 6)}
    assets = {**blogs, "story": meta("story", type="case-study")}
    relevance = {name: 0.80 for name in blogs} | {"story": 0.80 - 2.5 * SAME_TYPE_PENALTY}

    ranked = rank_assets(*one_chunk_each(relevance), assets, plain_query(), k=5, diversify=False)

    assert {r.asset_id for r in ranked} == set(blogs)
    assert all(r.score == pytest.approx(0.80) for r in ranked)


def test_without_diversify_results_follow_relevance_plus_fit() -> None:
    assets = {
        "a": meta("a", type="blog", stages=(D,)),
        "b": meta("b", type="blog", stages=(A,)),
        "c": meta("c", type="blog", stages=(C,)),
        "d": meta("d", type="faq", stages=(D,)),
    }
    relevance = {"a": 0.50, "b": 0.90, "c": 0.55, "d": 0.30}
    # a 0.62, b 0.75, c 0.51, d 0.42 with the decision-stage adjustments.
    ids = ranked_ids(relevance, assets, plain_query(D), k=4, diversify=False)

    assert ids == ["b", "a", "c", "d"]


def test_chunks_of_assets_not_in_the_library_are_never_returned() -> None:
    assets = {"kept": meta("kept")}
    scores = {1: (0.99, 0.99), 2: (0.90, 0.90), 3: (0.10, 0.10)}
    owners = {1: "removed", 3: "kept"}  # chunk 2 has no known owner at all

    ranked = rank_assets(scores, owners, assets, plain_query(), k=5)

    assert [r.asset_id for r in ranked] == ["kept"]
    assert ranked[0].chunk_id == 3


def test_rank_assets_returns_at_most_k_results() -> None:
    assets = {f"a{i}": meta(f"a{i}", type=f"type-{i}") for i in range(8)}
    relevance = {f"a{i}": 0.9 - i / 100 for i in range(8)}

    assert ranked_ids(relevance, assets, plain_query(), k=3) == ["a0", "a1", "a2"]
    assert len(ranked_ids(relevance, assets, plain_query(), k=20)) == 8
    assert ranked_ids(relevance, assets, plain_query(), k=0) == []


def test_rank_assets_explains_each_result_with_its_best_chunk_text() -> None:
    assets = {"sec": meta("sec", type="security-whitepaper", stages=(D,), title="Trust center")}
    texts = {1: "Our SOC 2 Type II audit", 2: "Unrelated paragraph"}
    scores = {1: (0.8, 0.8), 2: (0.3, 0.3)}
    owners = {1: "sec", 2: "sec"}
    query = plain_query(D, text="do we have SOC 2?")

    [result] = rank_assets(scores, owners, assets, query, k=5, chunk_text=texts.__getitem__)

    assert result.reason == "decision-stage security whitepaper; mentions SOC 2"


# --- explain / matched_terms -----------------------------------------------------------------


def test_explain_names_the_fitting_stage_the_type_and_a_matched_phrase() -> None:
    asset = meta(
        "sec",
        type="security-whitepaper",
        stages=(C, D),
        title="Security whitepaper: SOC 2 Type II controls",
    )
    query = plain_query(D, text="They need our SOC 2 before signing")

    assert explain(asset, query) == "decision-stage security whitepaper; mentions SOC 2"


def test_explain_says_not_written_for_the_stage_when_the_stage_does_not_fit() -> None:
    asset = meta("blog", type="blog", stages=(A,), title="Why spreadsheets fail planners")
    query = plain_query(D, text="still on spreadsheets")

    line = explain(asset, query)

    assert line == "awareness-stage blog; mentions spreadsheets; not written for decision stage"


def test_explain_lists_all_asset_stages_when_no_query_stage_is_known() -> None:
    asset = meta("guide", type="comparison-guide", stages=(C, D), title="x")

    line = explain(asset, plain_query(None, text="zzz"))

    assert line == "consideration/decision-stage comparison guide"
    assert "not written for" not in line


def test_explain_prefers_covered_competitors_and_shared_tags_over_matched_words() -> None:
    asset = meta(
        "card",
        type="battlecard",
        stages=(C,),
        title="Beating PlanRight in retail",
        tags=("retail", "competitive"),
        competitors=("PlanRight", "Forecastly"),
    )
    query = QueryContext(
        text="PlanRight battlecard for a retail prospect",
        stage=C,
        competitors=frozenset({"planright"}),
        tags=frozenset({"retail"}),
    )

    assert (
        explain(asset, query) == "consideration-stage battlecard; covers PlanRight; tagged retail"
    )


def test_explain_without_stages_or_matches_is_just_the_type() -> None:
    asset = meta("misc", type="one-pager", stages=(), title="x")

    assert explain(asset, plain_query(D, text="zzz")) == "one pager"


def test_matched_terms_keeps_the_reps_spelling_skips_stopwords_and_stops_at_the_limit() -> None:
    text = "Inventory forecasting for Retailers with many warehouses"

    found = matched_terms("Which FORECASTING content for retailers and warehouses?", text)

    assert found == ["FORECASTING", "retailers"]


def test_matched_terms_ignores_short_words_and_words_the_text_lacks() -> None:
    assert matched_terms("ERP and API pricing", "ERP API integration guide") == []


# --- read_query ------------------------------------------------------------------------------


def test_read_query_finds_competitors_case_insensitively_as_whole_words() -> None:
    names = ["PlanRight", "Forecastly", "ERP add-ons"]

    hit = read_query(
        "They also use PLANRIGHT and some erp add-ons", None, known_competitors=names, known_tags=[]
    )
    miss = read_query(
        "They run PlanRightly and Forecastlyx", None, known_competitors=names, known_tags=[]
    )

    assert hit.competitors == frozenset({"planright", "erp add-ons"})
    assert miss.competitors == frozenset()


def test_read_query_maps_industry_words_to_library_tags() -> None:
    retail = read_query("a retailer with 40 stores", None, known_competitors=[], known_tags=[])
    health = read_query("two hospitals in Ohio", None, known_competitors=[], known_tags=[])
    logistics = read_query("a 3PL distributor", None, known_competitors=[], known_tags=[])

    assert "retail" in retail.tags
    assert "healthcare" in health.tags
    assert "logistics" in logistics.tags


def test_read_query_finds_known_tags_written_as_words_or_with_spaces_for_hyphens() -> None:
    known = ["multi-location", "food-and-beverage", "netsuite"]

    query = read_query(
        "A multi location chain on NetSuite", None, known_competitors=[], known_tags=known
    )

    assert query.tags == frozenset({"multi-location", "netsuite"})


def test_read_query_does_not_find_a_tag_inside_a_longer_word() -> None:
    # "erp" and "it" are real library tags; "enterprise" and "security" only contain them.
    query = read_query(
        "They are a large enterprise; send the security whitepaper",
        None,
        known_competitors=[],
        known_tags=["erp", "it"],
    )

    assert query.tags == frozenset()


@pytest.mark.parametrize(
    ("question", "asset_type"),
    [
        ("any case study for retail?", "case-study"),
        ("customer stories from hospitals", "case-study"),
        ("the PlanRight battle card", "battlecard"),
        ("they asked for pricing", "pricing-sheet"),
        ("they need our SOC 2 report", "security-whitepaper"),
        ("an ROI calculator please", "roi-calculator"),
        ("how do we compare vs Forecastly", "comparison-guide"),
        ("the webinar recording", "webinar"),
    ],
)
def test_read_query_recognises_asked_for_asset_types(question: str, asset_type: str) -> None:
    query = read_query(question, None, known_competitors=[], known_tags=[])

    assert asset_type in query.types


def test_read_query_keeps_the_text_and_stage_and_finds_nothing_in_a_plain_question() -> None:
    query = read_query("hello", D, known_competitors=["PlanRight"], known_tags=["retail"])

    assert query.text == "hello"
    assert query.stage is D
    assert query.competitors == frozenset()
    assert query.tags == frozenset()
    assert query.types == frozenset()


def test_matched_terms_skip_the_filler_of_a_reps_sentence() -> None:
    text = "Before the meeting, teams still looking at forecasting will know more after a call."
    found = matched_terms(
        "before the call next week they will still be looking at forecasting", text
    )
    assert found == ["forecasting"]
