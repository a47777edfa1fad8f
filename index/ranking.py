"""Ranking math: fuse dense and lexical scores, re-rank assets for fit, diversify, explain.

Pure functions over ids and scores, so they are tested without a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from content_store.stage import Stage

# How much each signal moves an asset's score (cosine-like scale, 0..1).
STAGE_MATCH_BONUS = 0.12
STAGE_ONE_OFF_PENALTY = 0.04
STAGE_FAR_PENALTY = 0.15
COMPETITOR_BONUS = 0.12
TAG_BONUS = 0.05
TYPE_BONUS = 0.08
SAME_TYPE_PENALTY = 0.06
DENSE_WEIGHT = 0.65

# Words reps use for an industry, mapped to the tag marketing uses.
INDUSTRY_WORDS: dict[str, str] = {
    "retailer": "retail",
    "retailers": "retail",
    "store": "retail",
    "stores": "retail",
    "hospital": "healthcare",
    "hospitals": "healthcare",
    "health": "healthcare",
    "clinic": "healthcare",
    "distributor": "logistics",
    "distributors": "logistics",
    "distribution": "logistics",
    "warehouse": "logistics",
    "3pl": "logistics",
    "manufacturer": "manufacturing",
    "manufacturers": "manufacturing",
    "factory": "manufacturing",
    "plant": "manufacturing",
    "grocery": "food-and-beverage",
    "food": "food-and-beverage",
    "beverage": "food-and-beverage",
}

# Words in a question that ask for a kind of asset.
TYPE_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), t)
    for p, t in [
        (r"\bcase stud(y|ies)\b|\bcustomer stor(y|ies)\b", "case-study"),
        (r"\bbattle ?cards?\b", "battlecard"),
        (r"\bpric(e|es|ing)\b|\bquote\b", "pricing-sheet"),
        (r"\bsecurity\b|\bsoc ?2\b|\bcompliance\b", "security-whitepaper"),
        (r"\bwhite ?papers?\b", "whitepaper"),
        (r"\bwebinars?\b|\brecording\b", "webinar"),
        (r"\broi\b|\bcalculator\b|\bpayback\b", "roi-calculator"),
        (r"\bdemo\b|\bvideo\b", "demo-video"),
        (r"\bchecklists?\b", "checklist"),
        (r"\be-?books?\b|\bguide\b", "ebook"),
        (r"\bfaq\b|\bquestions about\b", "faq"),
        (r"\bone-?pager\b", "one-pager"),
        (r"\bcompar(e|es|ing|ison)\b|\bvs\.?\b|\bversus\b", "comparison-guide"),
        (r"\bimplementation\b|\brollout\b|\bonboarding\b", "implementation-plan"),
        (r"\banalysts?\b|\bgartner\b|\bforrester\b", "analyst-report"),
        (r"\btestimonials?\b|\breferences?\b", "testimonial"),
        (r"\bblog\b|\barticle\b", "blog"),
    ]
]

_WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "us",
        "we",
        "what",
        "which",
        "who",
        "with",
        "you",
        "your",
        "any",
        "anything",
        "some",
        "something",
        "send",
        "share",
        "need",
        "needs",
        "want",
        "wants",
        "asked",
        "asking",
        "about",
        "can",
        "could",
        "should",
        "would",
        "there",
        "here",
        "how",
        "why",
        "when",
        "where",
        "now",
        "next",
        "just",
        "also",
        "more",
        "than",
        "then",
        "get",
        "got",
        "give",
        "stage",
        "stages",
        "phase",
        "prospect",
        "prospects",
        "customer",
        "client",
        "deal",
        "compare",
        "comparing",
        # Filler a rep's sentence carries that says nothing about an asset ("mentions before").
        "after",
        "again",
        "before",
        "because",
        "been",
        "being",
        "were",
        "will",
        "into",
        "over",
        "still",
        "really",
        "very",
        "much",
        "many",
        "most",
        "only",
        "other",
        "these",
        "those",
        "like",
        "looking",
        "trying",
        "going",
        "think",
        "know",
        "maybe",
        "please",
        "thanks",
        "every",
        "each",
        "both",
        "soon",
        "later",
        "today",
        "tomorrow",
        "week",
        "meeting",
        "call",
        "email",
        "follow",
    ]
)


@dataclass(frozen=True, slots=True)
class AssetMeta:
    id: str
    title: str
    url: str | None
    type: str
    stages: tuple[Stage, ...]
    tags: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    internal: bool = False  # for reps only: the answer says "internal, don't forward"
    expires: date | None = None  # not recommended after this day


@dataclass(frozen=True)
class QueryContext:
    """What the ranking knows about a question beyond its text."""

    text: str
    stage: Stage | None
    competitors: frozenset[str] = field(default_factory=frozenset)  # casefolded, named in it
    tags: frozenset[str] = field(default_factory=frozenset)  # library tags it points at
    types: frozenset[str] = field(default_factory=frozenset)  # asset types it asks for


@dataclass(frozen=True)
class RankedAsset:
    asset_id: str
    score: float  # after re-ranking; what the answer is ordered by
    relevance: float  # fused text relevance of the best chunk, before re-ranking
    dense: float  # best cosine similarity: an absolute measure, used to call a match weak
    reason: str
    chunk_id: int


def read_query(
    text: str,
    stage: Stage | None,
    *,
    known_competitors: Iterable[str],
    known_tags: Iterable[str],
) -> QueryContext:
    """Find the competitors, tags and asset types a question mentions."""
    folded = text.casefold()
    words = set(_WORD.findall(folded))
    competitors = frozenset(
        c.casefold() for c in known_competitors if _whole_word(c.casefold()).search(folded)
    )
    tags = {t for t in known_tags if t in words or _whole_word(t.replace("-", " ")).search(folded)}
    tags |= {INDUSTRY_WORDS[w] for w in words if w in INDUSTRY_WORDS}
    types = frozenset(t for pattern, t in TYPE_WORDS if pattern.search(text))
    return QueryContext(
        text=text, stage=stage, competitors=competitors, tags=frozenset(tags), types=types
    )


@lru_cache(maxsize=4096)
def _word_start(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}")


@lru_cache(maxsize=4096)
def _whole_word(phrase: str) -> re.Pattern[str]:
    # Compiled once per name: read_query tests every known competitor and tag on every answer.
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def fuse(
    dense: Iterable[tuple[int, float]],
    lexical: Iterable[tuple[int, float]],
    *,
    dense_weight: float = DENSE_WEIGHT,
) -> dict[int, tuple[float, float]]:
    """Combine cosine and BM25 scores per chunk: {chunk_id: (fused, cosine)}.

    BM25 is scaled by its best score in this result so both live on 0..1. A chunk only BM25 found
    gets the weakest cosine seen rather than zero, so a paraphrase-blind embedding does not sink
    an exact term match; a chunk only the embedding found has no shared terms, so lexical 0.
    """
    dense_scores = dict(dense)
    lexical_scores = dict(lexical)
    top_lexical = max(lexical_scores.values(), default=0.0)
    floor_dense = min(dense_scores.values(), default=0.0)
    fused: dict[int, tuple[float, float]] = {}
    for chunk_id in dense_scores.keys() | lexical_scores.keys():
        cosine = dense_scores.get(chunk_id, floor_dense)
        lex = lexical_scores.get(chunk_id, 0.0) / top_lexical if top_lexical > 0 else 0.0
        fused[chunk_id] = (dense_weight * cosine + (1 - dense_weight) * lex, cosine)
    return fused


def stage_adjustment(query_stage: Stage | None, asset_stages: tuple[Stage, ...]) -> float:
    if query_stage is None or not asset_stages:
        return 0.0
    if query_stage in asset_stages:
        return STAGE_MATCH_BONUS
    distance = min(abs(query_stage.position - s.position) for s in asset_stages)
    return -STAGE_ONE_OFF_PENALTY if distance == 1 else -STAGE_FAR_PENALTY


def rank_assets(
    chunk_scores: Mapping[int, tuple[float, float]],
    chunk_assets: Mapping[int, str],
    assets: Mapping[str, AssetMeta],
    query: QueryContext,
    *,
    k: int,
    chunk_text: Callable[[int], str] | None = None,
    diversify: bool = True,
) -> list[RankedAsset]:
    """Group chunks into assets (best chunk counts), re-rank for fit, pick k with varied types."""
    best: dict[str, tuple[float, float, int]] = {}
    for chunk_id, (fused, cosine) in chunk_scores.items():
        asset_id = chunk_assets.get(chunk_id)
        if asset_id is None or asset_id not in assets:
            continue  # a chunk of an asset removed since: never surface it
        previous = best.get(asset_id)
        if previous is None or fused > previous[0]:
            best[asset_id] = (fused, max(cosine, previous[1] if previous else cosine), chunk_id)
        elif cosine > previous[1]:
            best[asset_id] = (previous[0], cosine, previous[2])

    # Assets share a handful of stage lists: each one's stage fit is worked out once per query.
    stage_fit: dict[tuple[Stage, ...], float] = {}
    scored: list[tuple[float, str]] = []
    for asset_id, (fused, _cosine, _chunk) in best.items():
        meta = assets[asset_id]
        fit = stage_fit.get(meta.stages)
        if fit is None:
            fit = stage_fit[meta.stages] = stage_adjustment(query.stage, meta.stages)
        scored.append((fused + fit + fit_adjustment(meta, query, stage=False), asset_id))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))

    chosen: list[RankedAsset] = []
    type_counts: dict[str, int] = {}
    pool = scored[: max(k * 6, 30)]
    penalty = SAME_TYPE_PENALTY if diversify else 0.0
    while pool and len(chosen) < k:
        # Re-score with the diversity penalty for types already picked, then take the best.
        adjusted = [(score - penalty * type_counts.get(assets[a].type, 0), a) for score, a in pool]
        adjusted.sort(key=lambda pair: (-pair[0], pair[1]))
        score, asset_id = adjusted[0]
        pool = [pair for pair in pool if pair[1] != asset_id]
        meta = assets[asset_id]
        type_counts[meta.type] = type_counts.get(meta.type, 0) + 1
        fused, cosine, chunk_id = best[asset_id]
        text = chunk_text(chunk_id) if chunk_text else ""
        chosen.append(
            RankedAsset(
                asset_id=asset_id,
                score=score,
                relevance=fused,
                dense=cosine,
                reason=explain(meta, query, text),
                chunk_id=chunk_id,
            )
        )
    return chosen


def fit_adjustment(meta: AssetMeta, query: QueryContext, *, stage: bool = True) -> float:
    """How well the asset fits the question beyond its text: stage (unless `stage` is False),
    competitors, tags and asset type."""
    # Runs for every candidate asset of every answer: each test is skipped when the question
    # gave it nothing to match.
    adjustment = stage_adjustment(query.stage, meta.stages) if stage else 0.0
    if query.competitors and any(c.casefold() in query.competitors for c in meta.competitors):
        adjustment += COMPETITOR_BONUS
    if query.tags and meta.tags:
        adjustment += TAG_BONUS * min(2, len(query.tags.intersection(meta.tags)))
    if meta.type in query.types:
        adjustment += TYPE_BONUS
    return adjustment


def explain(meta: AssetMeta, query: QueryContext, chunk_text: str = "") -> str:
    """One line for the rep on why this asset, e.g. "decision-stage faq; mentions SOC 2"."""
    if query.stage is not None and query.stage in meta.stages:
        stage_part = f"{query.stage}-stage "
    elif meta.stages:
        stage_part = "/".join(str(s) for s in meta.stages) + "-stage "
    else:
        stage_part = ""
    head = f"{stage_part}{meta.type.replace('-', ' ')}"
    details: list[str] = []
    competitors = [c for c in meta.competitors if c.casefold() in query.competitors]
    if competitors:
        details.append("covers " + ", ".join(competitors))
    tags = [t for t in meta.tags if t in query.tags]
    if tags:
        details.append("tagged " + ", ".join(tags[:2]))
    if not details:
        terms = matched_terms(query.text, f"{meta.title} {' '.join(meta.tags)} {chunk_text}")
        if terms:
            details.append("mentions " + ", ".join(terms))
    if query.stage is not None and meta.stages and query.stage not in meta.stages:
        details.append(f"not written for {query.stage} stage")
    return head + ("; " + "; ".join(details) if details else "")


def matched_terms(question: str, text: str, *, limit: int = 2) -> list[str]:
    """Words of the question (as the rep wrote them) that the asset's text contains."""
    folded = text.casefold()
    found: list[str] = []
    seen: set[str] = set()
    # "SOC 2" style pairs first, then single words.
    for match in re.finditer(r"\b([A-Za-z]{2,}\s\d+)\b", question):
        phrase = match.group(1)
        if phrase.casefold() in folded and phrase.casefold() not in seen:
            found.append(phrase)
            seen.update(phrase.casefold().split())
    for word in _WORD.findall(question):
        key = word.casefold()
        if len(key) < 4 or key in _STOP or key in seen:
            continue
        if _word_start(key).search(folded):
            found.append(word)
            seen.add(key)
        if len(found) >= limit:
            break
    return found[:limit]
