"""Ranking math: fuse dense and lexical evidence per asset, re-rank for fit, diversify, explain.

Pure functions over ids and scores, so they are tested without a model. What a question can
point at (asset types, tags, competitors, a team's stage phrases) comes from the library's own
metadata and its ``funnelbot.yml`` (``Vocabulary``), never from tables in this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from content_store.stage import Stage

# Every constant below was chosen on the development sets (examples/ and its servolta/ and
# invoxa/ libraries) with scripts/tune_ranking.py; the test library (holdout/) was never used
# to choose them.
# Reciprocal-rank fusion's k: how fast a lower rank's vote fades.
RRF_K = 5
# The dense ranks' share of the fusion (BM25's is 2 minus it); 1.0 weighs them alike.
DENSE_WEIGHT = 1.0
# The plain hybrid baseline's k: the conventional 60 (Cormack et al., 2009), never tuned, so the
# baseline does not move when funnelbot's own k does.
PLAIN_RRF_K = 60
# Fit bonuses, on the scale of the fused relevance (the best asset of both retrievers scores 1).
STAGE_WEIGHT = 0.1  # times the stage's confidence: a 50% guess moves half as much
STAGE_ONE_OFF = 1.0  # share of the stage weight taken from an asset one stage away
STAGE_FAR = 1.0  # ... and two stages away
COMPETITOR_BONUS = 0.3
TYPE_BONUS = 0.3
TAG_BONUS = 0.15
SAME_TYPE_PENALTY = 0.0


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
class Vocabulary:
    """The words a question can use to point at a library's types, tags and competitors.

    Built from what the assets declare, plus a team's ``funnelbot.yml`` (synonyms its reps use).
    """

    types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # type -> phrases
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> phrases
    industries: frozenset[str] = frozenset()  # the tags that name an industry, if declared
    competitors: tuple[str, ...] = ()
    stage_phrases: Mapping[Stage, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_library(
        cls, assets: Iterable[AssetMeta], config: Mapping[str, object] | None = None
    ) -> Vocabulary:
        config = config or {}
        types: dict[str, set[str]] = {}
        tags: dict[str, set[str]] = {}
        competitors: dict[str, str] = {}
        for asset in assets:
            if asset.type:
                types.setdefault(asset.type, set()).update(_name_phrases(asset.type))
            for tag in asset.tags:
                tags.setdefault(tag, set()).update(_name_phrases(tag))
            for name in asset.competitors:
                competitors.setdefault(name.casefold(), name)
        for type_name, phrases in _mapping(config.get("types")).items():
            types.setdefault(type_name, set()).update(_folded(phrases))
        industries = _mapping(config.get("industries"))
        for tag, phrases in industries.items():
            tags.setdefault(tag, set()).update(_name_phrases(tag) | _folded(phrases))
        for name in _strings(config.get("competitors")):
            competitors.setdefault(name.casefold(), name)
        stage_phrases = {
            Stage(stage): tuple(_folded(phrases))
            for stage, phrases in _mapping(config.get("stages")).items()
        }
        return cls(
            types={t: tuple(sorted(p)) for t, p in types.items()},
            tags={t: tuple(sorted(p)) for t, p in tags.items()},
            industries=frozenset(industries),
            competitors=tuple(sorted(competitors.values(), key=str.casefold)),
            stage_phrases=stage_phrases,
        )

    @cached_property
    def _matcher(self) -> tuple[re.Pattern[str], dict[str, list[tuple[str, str]]]]:
        # One alternation over every phrase, longest first: a question is read in one pass
        # instead of one search per phrase (hundreds with a team's funnelbot.yml).
        owners: dict[str, list[tuple[str, str]]] = {}
        for kind, table in (("type", self.types), ("tag", self.tags)):
            for key, phrases in table.items():
                for phrase in phrases:
                    owners.setdefault(phrase, []).append((kind, key))
        for name in self.competitors:
            owners.setdefault(name.casefold(), []).append(("competitor", name.casefold()))
        if not owners:
            return re.compile(r"(?!x)x"), owners
        alternation = "|".join(re.escape(p) for p in sorted(owners, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), owners

    def find(self, text: str) -> dict[str, set[str]]:
        """The types, tags and competitors (casefolded) that ``text`` names."""
        pattern, owners = self._matcher
        found: dict[str, set[str]] = {"type": set(), "tag": set(), "competitor": set()}
        folded = text.casefold()
        position = 0
        while (match := pattern.search(folded, position)) is not None:
            for kind, key in owners[match.group(0)]:
                found[kind].add(key)
            # Step one character, not past the match: "case study" and "study" both count.
            position = match.start() + 1
        return found


def _mapping(value: object) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _strings(v) for k, v in value.items()}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if str(v).strip()]
    return []


def _folded(phrases: Iterable[str]) -> set[str]:
    return {p.casefold().strip() for p in phrases if p.strip()}


def _name_phrases(name: str) -> set[str]:
    """ "case-study" -> {"case study", "case studies", "case-study", ...}: how a rep writes it."""
    base = name.casefold().replace("_", "-")
    spaced = base.replace("-", " ")
    phrases = {base, spaced}
    for phrase in (base, spaced):
        if phrase.endswith("y") and len(phrase) > 3 and phrase[-2] not in "aeiou":
            phrases.add(phrase[:-1] + "ies")
        elif not phrase.endswith("s"):
            phrases.add(phrase + "s")
    return phrases


@dataclass(frozen=True)
class QueryContext:
    """What the ranking knows about a question beyond its text."""

    text: str
    stage: Stage | None
    stage_confidence: float = 1.0  # how much the stage is believed: scales its weight
    competitors: frozenset[str] = field(default_factory=frozenset)  # casefolded, named in it
    tags: frozenset[str] = field(default_factory=frozenset)  # library tags it points at
    types: frozenset[str] = field(default_factory=frozenset)  # asset types it asks for


@dataclass(frozen=True, slots=True)  # slots: ~100 are made per question, in half the time
class Candidate:
    """An asset found by either retriever, with its best evidence from each."""

    asset_id: str
    chunk_id: int  # the chunk that matched best
    cosine: float  # best cosine similarity of its chunks (computed for BM25-only finds too)
    lexical: float  # best BM25 score of its chunks; 0 if BM25 did not find it
    relevance: float  # fused, scale-free: 1.0 = first for both retrievers


@dataclass(frozen=True)
class RankedAsset:
    asset_id: str
    score: float  # after re-ranking; what the answer is ordered by
    relevance: float  # fused text relevance, before re-ranking
    dense: float  # best cosine similarity: an absolute measure, used to call a match weak
    reason: str  # in English, as the log keeps it
    chunk_id: int
    why: Reason | None = None  # the same reason in parts, for a surface to say in its language


@dataclass(frozen=True)
class Reason:
    """Why an asset was picked, in parts: a surface words it in the reader's language.

    ``str()`` gives the English line the log keeps, e.g. "decision-stage faq; covers Forecastly".
    """

    stages: tuple[Stage, ...]  # the asset's stage(s) named in the line: the question's if it fits
    type: str  # the asset's type as the library names it ("comparison-guide")
    competitors: tuple[str, ...] = ()  # competitors the question names that the asset covers
    tags: tuple[str, ...] = ()  # tags the question points at
    terms: tuple[str, ...] = ()  # the question's words the asset uses, when nothing else matched
    off_stage: Stage | None = None  # the question's stage, when the asset is not written for it

    def __str__(self) -> str:
        head = self.type.replace("-", " ")
        if self.stages:
            head = "/".join(str(s) for s in self.stages) + "-stage " + head
        details: list[str] = []
        if self.competitors:
            details.append("covers " + ", ".join(self.competitors))
        if self.tags:
            details.append("for " + ", ".join(t.replace("-", " ") for t in self.tags))
        if self.terms:
            details.append("on " + ", ".join(f"“{t}”" for t in self.terms))
        if self.off_stage is not None:
            details.append(f"not written for {self.off_stage} stage")
        return head + ("; " + "; ".join(details) if details else "")

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"stages": [str(s) for s in self.stages], "type": self.type}
        for name in ("competitors", "tags", "terms"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.off_stage is not None:
            out["off_stage"] = str(self.off_stage)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Reason:
        """The parts as ``to_json`` wrote them; ``ValueError`` for anything else."""

        def words(name: str) -> tuple[str, ...]:
            value = data.get(name) or []
            if not isinstance(value, list):
                raise ValueError(f"reason {name} must be a list")
            return tuple(str(v) for v in value)

        off = data.get("off_stage")
        return cls(
            stages=tuple(Stage(s) for s in words("stages")),
            type=str(data.get("type") or ""),
            competitors=words("competitors"),
            tags=words("tags"),
            terms=words("terms"),
            off_stage=Stage(str(off)) if off else None,
        )


def read_query(
    text: str,
    stage: Stage | None,
    vocabulary: Vocabulary,
    *,
    stage_confidence: float = 1.0,
) -> QueryContext:
    """Find the competitors, tags and asset types a question points at, in the library's words."""
    found = vocabulary.find(text)
    return QueryContext(
        text=text,
        stage=stage,
        stage_confidence=stage_confidence,
        competitors=frozenset(found["competitor"]),
        tags=frozenset(found["tag"]),
        types=frozenset(found["type"]),
    )


def fuse_assets(
    dense: Sequence[tuple[int, float]],
    lexical: Sequence[tuple[int, float]],
    chunk_assets: Mapping[int, str],
    *,
    cosines_of: Callable[[list[int]], Sequence[float]] | None = None,
    rrf_k: int | None = None,
    plain: bool = False,
) -> list[Candidate]:
    """Group both retrievers' chunks by asset and fuse their ranks (reciprocal-rank fusion).

    Each asset is ranked by its best cosine and by its best BM25 score; the fused relevance is
    the mean of 1 / (k + rank) over the two lists, scaled so that first in both is 1.0. It does
    not depend on either score's scale. ``cosines_of`` gives the chunks only BM25 found their
    real cosines, so they are ranked on the dense side too.
    """
    rrf_k = RRF_K if rrf_k is None else rrf_k
    dense_weight = 1.0 if plain else DENSE_WEIGHT
    lexical_weight = 2.0 - dense_weight
    cosines: dict[int, float] = dict(dense)
    if cosines_of is not None:
        lexical_only = [c for c, _ in lexical if c not in cosines and c in chunk_assets]
        if lexical_only:
            cosines.update(zip(lexical_only, cosines_of(lexical_only), strict=True))
    best_cos = _best_per_asset(cosines, chunk_assets, -2.0)
    best_lex = _best_per_asset(dict(lexical), chunk_assets, 0.0)
    dense_rank = _ranks(best_cos)
    lexical_rank = _ranks(best_lex)
    scale = (rrf_k + 1) / 2
    missing = (0.0, -1)
    # Sorted as tuples (no key function), then made Candidates: ~100 per question.
    fused_rows: list[tuple[float, str, int, float, float]] = []
    for asset_id in best_cos.keys() | best_lex.keys():
        fused = 0.0
        on_dense = dense_rank.get(asset_id)
        if on_dense is not None:
            fused += dense_weight / (rrf_k + on_dense)
        on_lexical = lexical_rank.get(asset_id)
        if on_lexical is not None:
            fused += lexical_weight / (rrf_k + on_lexical)
        cosine, cos_chunk = best_cos.get(asset_id, missing)
        lex, lex_chunk = best_lex.get(asset_id, missing)
        # The passage shown as the reason: the lexical one when BM25 ranks it higher.
        prefer_lexical = on_lexical is not None and (on_dense is None or on_lexical < on_dense)
        chunk_id = lex_chunk if prefer_lexical or cos_chunk < 0 else cos_chunk
        fused_rows.append((-(fused * scale), asset_id, chunk_id, cosine, lex))
    fused_rows.sort()  # best first, ties by asset id (each asset appears once)
    return [
        Candidate(asset_id, chunk_id, cosine, lex, -negated)
        for negated, asset_id, chunk_id, cosine, lex in fused_rows
    ]


def _best_per_asset(
    scores: Mapping[int, float], chunk_assets: Mapping[int, str], floor: float
) -> dict[str, tuple[float, int]]:
    """Each asset's best chunk score above ``floor``, with that chunk (the first on a tie)."""
    best: dict[str, tuple[float, int]] = {}
    asset_of = chunk_assets.get
    for chunk_id, score in scores.items():
        asset_id = asset_of(chunk_id)
        if asset_id is not None:
            held = best.get(asset_id)
            if score > (floor if held is None else held[0]):
                best[asset_id] = (score, chunk_id)
    return best


def single_retriever(
    hits: Sequence[tuple[int, float]], chunk_assets: Mapping[int, str], *, dense: bool
) -> list[Candidate]:
    """A pure baseline: assets ordered by their best chunk's score from one retriever alone."""
    best: dict[str, tuple[float, int]] = {}
    for chunk_id, score in hits:
        asset_id = chunk_assets.get(chunk_id)
        if asset_id is not None and score > best.get(asset_id, (float("-inf"), 0))[0]:
            best[asset_id] = (score, chunk_id)
    ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [
        Candidate(
            asset_id=asset_id,
            chunk_id=chunk_id,
            cosine=score if dense else 0.0,
            lexical=0.0 if dense else score,
            relevance=score,
        )
        for asset_id, (score, chunk_id) in ordered
    ]


def _ranks(best: Mapping[str, tuple[float, int]]) -> dict[str, int]:
    ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return {asset_id: rank for rank, (asset_id, _) in enumerate(ordered, start=1)}


def stage_fit(query_stage: Stage | None, asset_stages: tuple[Stage, ...]) -> float:
    """+1 written for the stage, down to -STAGE_FAR two stages away; 0 when either is unknown."""
    if query_stage is None or not asset_stages:
        return 0.0
    if query_stage in asset_stages:
        return 1.0
    known = [s for s in asset_stages if s.position >= 0]
    if query_stage.position < 0 or not known:
        return 0.0
    distance = min(abs(query_stage.position - s.position) for s in known)
    return -STAGE_ONE_OFF if distance == 1 else -STAGE_FAR


def fit_adjustment(meta: AssetMeta, query: QueryContext) -> float:
    """How well the asset fits the question beyond its text: stage (weighed by its confidence),
    competitors, tags and asset type."""
    return _fit_adjustment(meta, query, _stage_term(query, meta.stages))


def _stage_term(query: QueryContext, stages: tuple[Stage, ...]) -> float:
    return STAGE_WEIGHT * query.stage_confidence * stage_fit(query.stage, stages)


def _fit_adjustment(meta: AssetMeta, query: QueryContext, stage_term: float) -> float:
    """``fit_adjustment`` with the stage's term given (``_stage_term``)."""
    adjustment = stage_term
    if query.competitors and any(c.casefold() in query.competitors for c in meta.competitors):
        adjustment += COMPETITOR_BONUS
    if query.tags and meta.tags:
        adjustment += TAG_BONUS * min(2, len(query.tags.intersection(meta.tags)))
    if meta.type in query.types:
        adjustment += TYPE_BONUS
    return adjustment


def rank_assets(
    candidates: Sequence[Candidate],
    assets: Mapping[str, AssetMeta],
    query: QueryContext | None,
    *,
    k: int,
    chunk_text: Callable[[int], str | None] | None = None,
    diversify: bool = True,
    is_filler: Callable[[str], bool] | None = None,
) -> list[RankedAsset]:
    """Re-rank candidates for fit (unless ``query`` is None: a pure baseline), then pick k,
    penalising a type already picked so the answer is not five of one kind."""
    scored: list[tuple[float, Candidate]] = []
    # A library's assets share a few sets of stages: each set's term is worked out once.
    stage_terms: dict[tuple[Stage, ...], float] = {}
    for candidate in candidates:
        meta = assets.get(candidate.asset_id)
        if meta is None:
            continue  # an asset removed since: never surface it
        fit = 0.0
        if query is not None:
            term = stage_terms.get(meta.stages)
            if term is None:
                term = stage_terms[meta.stages] = _stage_term(query, meta.stages)
            fit = _fit_adjustment(meta, query, term)
        scored.append((candidate.relevance + fit, candidate))
    scored.sort(key=lambda pair: (-pair[0], pair[1].asset_id))
    pool = scored[: max(k * 6, 30)]
    penalty = SAME_TYPE_PENALTY if diversify else 0.0
    picked = _first_k(pool, k) if not penalty else _diversified(pool, assets, k, penalty)
    # The question's words, read once for every reason (``shared_terms``).
    keys = _question_keys(query.text, is_filler) if query is not None else frozenset[str]()
    chosen: list[RankedAsset] = []
    for score, candidate in picked:
        meta = assets[candidate.asset_id]
        passage = (chunk_text(candidate.chunk_id) if chunk_text else None) or ""
        why = _reason(meta, query, passage, keys, is_filler) if query is not None else None
        chosen.append(
            RankedAsset(
                asset_id=candidate.asset_id,
                score=score,
                relevance=candidate.relevance,
                dense=candidate.cosine,
                reason=str(why) if why is not None else "",
                chunk_id=candidate.chunk_id,
                why=why,
            )
        )
    return chosen


def _first_k(pool: list[tuple[float, Candidate]], k: int) -> list[tuple[float, Candidate]]:
    """The first k of a sorted pool, one per asset: what ``_diversified`` picks with no
    penalty, without re-sorting the pool for every pick."""
    picked: list[tuple[float, Candidate]] = []
    seen: set[str] = set()
    for pair in pool:
        if len(picked) >= k:
            break
        if pair[1].asset_id not in seen:
            seen.add(pair[1].asset_id)
            picked.append(pair)
    return picked


def _diversified(
    pool: list[tuple[float, Candidate]], assets: Mapping[str, AssetMeta], k: int, penalty: float
) -> list[tuple[float, Candidate]]:
    """Pick k from the pool one at a time, each type's score lowered by ``penalty`` for every
    asset of that type already picked."""
    picked: list[tuple[float, Candidate]] = []
    type_counts: dict[str, int] = {}
    while pool and len(picked) < k:
        adjusted = [
            (score - penalty * type_counts.get(assets[c.asset_id].type, 0), c) for score, c in pool
        ]
        adjusted.sort(key=lambda pair: (-pair[0], pair[1].asset_id))
        score, candidate = adjusted[0]
        pool = [pair for pair in pool if pair[1].asset_id != candidate.asset_id]
        kind = assets[candidate.asset_id].type
        type_counts[kind] = type_counts.get(kind, 0) + 1
        picked.append((score, candidate))
    return picked


def explain(
    meta: AssetMeta,
    query: QueryContext,
    passage: str = "",
    *,
    is_filler: Callable[[str], bool] | None = None,
) -> str:
    """One line for the rep on why this asset, e.g. "decision-stage faq; covers Forecastly"."""
    return str(reason_for(meta, query, passage, is_filler=is_filler))


def reason_for(
    meta: AssetMeta,
    query: QueryContext,
    passage: str = "",
    *,
    is_filler: Callable[[str], bool] | None = None,
) -> Reason:
    """Why this asset, in parts (``Reason``): what matched.

    It names the asset's stage and type, a competitor or tag the question names, else words of
    the passage that the question shares (never a filler word: ``is_filler``).
    """
    return _reason(meta, query, passage, _question_keys(query.text, is_filler), is_filler)


def _reason(
    meta: AssetMeta,
    query: QueryContext,
    passage: str,
    question_keys: frozenset[str],
    is_filler: Callable[[str], bool] | None,
) -> Reason:
    """``reason_for`` with the question's words already read (``_question_keys``)."""
    if query.stage is not None and query.stage in meta.stages:
        stages: tuple[Stage, ...] = (query.stage,)
    else:
        stages = meta.stages
    competitors = tuple(c for c in meta.competitors if c.casefold() in query.competitors)
    named = {c.casefold() for c in competitors}
    tags = tuple(t for t in meta.tags if t in query.tags and t.casefold() not in named)[:2]
    terms: tuple[str, ...] = ()
    if not competitors and not tags:
        terms = tuple(_terms_in(f"{meta.title}\n{passage}", question_keys, 2, is_filler))
    off_stage = None
    if query.stage is not None and meta.stages and query.stage not in meta.stages:
        off_stage = query.stage
    return Reason(
        stages=stages,
        type=meta.type,
        competitors=competitors,
        tags=tags,
        terms=terms,
        off_stage=off_stage,
    )


_WORD = re.compile(r"\w[\w'-]*\w|\w", re.UNICODE)


def _stem_key(word: str) -> str:
    # Enough folding to see "redlines" in "redline": the first five letters of a long word.
    return word[:5]


def _is_content(word: str, is_filler: Callable[[str], bool] | None) -> bool:
    return len(word) > 3 and not word.isdigit() and not (is_filler and is_filler(word))


def _question_keys(question: str, is_filler: Callable[[str], bool] | None) -> frozenset[str]:
    """The stem keys of the question's content words, as ``shared_terms`` compares them."""
    return frozenset(
        _stem_key(w)
        for w in (m.casefold() for m in _WORD.findall(question))
        if _is_content(w, is_filler)
    )


def shared_terms(
    question: str,
    text: str,
    *,
    limit: int = 2,
    is_filler: Callable[[str], bool] | None = None,
) -> list[str]:
    """Content words of ``text`` (as the asset writes them) that the question also uses.

    Words of three letters or fewer, digits and filler words (``is_filler``) never count.
    """
    return _terms_in(text, _question_keys(question, is_filler), limit, is_filler)


def _terms_in(
    text: str, wanted: frozenset[str], limit: int, is_filler: Callable[[str], bool] | None
) -> list[str]:
    """``shared_terms`` with the question's keys given (``_question_keys``)."""
    found: list[str] = []
    if not wanted:
        return found
    seen: set[str] = set()
    for word in _WORD.findall(text):
        folded = word.casefold()
        key = folded[:5]  # _stem_key, inline: this loop reads every word of five passages
        if key in wanted and key not in seen and _is_content(folded, is_filler):
            found.append(word)
            seen.add(key)
            if len(found) >= limit:
                break
    return found
