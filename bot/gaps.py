"""Content gaps, grouped: "7 reps asked for a healthcare ROI case at decision stage"."""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select

from bot.i18n import Translator, english
from bot.services import Services
from content_store.errors import FunnelbotError
from content_store.gaps import GapQuestion, gap_questions
from content_store.models import ContentItem
from index.embedder import Embedder
from index.grouping import SAME_TOPIC, group_similar, most_central
from index.ranking import Vocabulary, read_query

# Questions read from the log per grouping, and distinct wordings embedded: the newest gaps are
# what marketing acts on, and the bound keeps a Home render fast on a huge log.
MAX_GAP_QUESTIONS = 5000
MAX_WORDINGS = 400

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class GapGroup:
    label: str  # the most central wording
    stage: str | None
    competitors: tuple[str, ...]
    industries: tuple[str, ...]
    questions: int  # times asked
    reps: int  # distinct askers in Slack
    weak: int  # answers whose best match was weak
    said_missing: int  # 👎 "topic missing" or "not relevant"
    last_asked: datetime
    wordings: tuple[str, ...]  # other ways it was asked, most asked first
    command_line: int = 0  # times asked with no Slack user (`funnelbot ask`)

    def askers(self, t: Translator | None = None) -> str:
        """'3 reps', 'the command line', or '3 reps and the command line'."""
        t = t or english()
        reps = t.ngettext("%(count)s rep", "%(count)s reps", self.reps, count=t.number(self.reps))
        if self.reps and self.command_line:
            return t.gettext("%(people)s and the command line", people=reps)
        if self.command_line:
            return t.gettext("the command line")
        return reps

    def describe(self, t: Translator | None = None) -> str:
        """One plain line: what was asked, how often, by whom, at which stage."""
        t = t or english()
        times = t.ngettext(
            "%(count)s time", "%(count)s times", self.questions, count=t.number(self.questions)
        )
        if self.reps:
            who = t.gettext("%(askers)s asked %(times)s", askers=self.askers(t), times=times)
        else:
            who = t.gettext("Asked %(times)s from the command line", times=times)
        if self.stage:
            who = t.gettext("%(who)s at %(stage)s", who=who, stage=t.stage_phrase(self.stage))
        about = ", ".join(self.industries + self.competitors)
        about = f" ({about})" if about else ""
        return f"{who}{about}: “{self.label}”"


def content_gaps(
    services: Services,
    *,
    since: datetime | None,
    until: datetime | None = None,
    limit: int = 10,
    max_wordings: int = MAX_WORDINGS,
    embed: bool = True,
) -> list[GapGroup] | None:
    """The window's gap questions grouped by meaning, stage, competitor and industry.

    With `embed=False` nothing new is embedded: the groups come back if every wording was
    embedded before (a Home opened again), else None, so a caller can answer at once and group
    afterwards.
    """
    with services.sessions() as session:
        questions = gap_questions(session, since=since, until=until, limit=MAX_GAP_QUESTIONS)
        competitors = known_competitors(session.scalars(select(ContentItem.competitors)))
    embedder = services.embedder
    vocabulary = services.searcher().vocabulary
    try:
        return group_gaps(
            questions,
            lambda texts: embed_cached(embedder, texts, embed=embed),
            competitors=competitors,
            vocabulary=vocabulary,
            limit=limit,
            max_wordings=max_wordings,
        )
    except NotEmbeddedYet:
        return None


def known_competitors(lists: Iterable[list[str] | None]) -> list[str]:
    return sorted({c for names in lists for c in names or ()})


_Key = tuple[str | None, tuple[str, ...], tuple[str, ...]]  # stage, competitors, industries


@dataclass
class _Wording:
    text: str
    last: datetime
    asks: int = 0
    weak: int = 0
    said: int = 0
    command_line: int = 0


def group_gaps(
    questions: Sequence[GapQuestion],
    embed: Embed,
    *,
    competitors: Iterable[str] = (),
    vocabulary: Vocabulary | None = None,
    limit: int = 10,
    max_wordings: int = MAX_WORDINGS,
    threshold: float = SAME_TOPIC,
) -> list[GapGroup]:
    """Group gap questions: same stage, competitors and industries, and close in meaning.

    Identical wordings (ignoring case, spacing and end punctuation) are merged before embedding;
    the `max_wordings` most asked are embedded. Groups come most asked first.
    """
    vocabulary = vocabulary or Vocabulary()
    known = sorted({*competitors, *vocabulary.competitors})
    words = Vocabulary(
        tags={t: p for t, p in vocabulary.tags.items() if t in vocabulary.industries},
        industries=vocabulary.industries,
        competitors=tuple(known),
    )
    wordings: dict[tuple[str | None, str], _Wording] = {}  # by stage and normalised text
    askers: dict[tuple[str | None, str], set[str]] = {}
    for q in questions:
        text = " ".join(q.question.split())
        wording_key = (q.stage, _normalise(text))
        w = wordings.get(wording_key)
        if w is None:
            w = wordings[wording_key] = _Wording(text=text, last=q.asked_at)
            askers[wording_key] = set()
        w.asks += 1
        w.weak += int(q.weak)
        w.said += int(q.reason is not None)
        w.command_line += int(q.asker is None)
        w.last = max(w.last, q.asked_at)
        if q.asker:
            askers[wording_key].add(q.asker)
    ranked = sorted(wordings, key=lambda k: (-wordings[k].asks, -len(askers[k])))[:max_wordings]
    if not ranked:
        return []
    keys: dict[tuple[str | None, str], _Key] = {}
    for stage, normal in ranked:
        context = read_query(wordings[(stage, normal)].text, None, words)
        keys[(stage, normal)] = (
            stage,
            tuple(sorted(context.competitors)),
            tuple(sorted(context.tags)),
        )
    vectors = embed([wordings[k].text for k in ranked])
    partitions: dict[_Key, list[int]] = {}
    for position, k in enumerate(ranked):
        partitions.setdefault(keys[k], []).append(position)
    weights = [float(wordings[k].asks) for k in ranked]
    groups: list[GapGroup] = []
    for (stage, names, industries), positions in partitions.items():
        sub = vectors[positions]
        for members in group_similar(
            sub, threshold=threshold, weights=[weights[p] for p in positions]
        ):
            chosen = [positions[m] for m in members]
            members_keys = [ranked[p] for p in chosen]
            local_weights = [weights[p] for p in positions]
            # Label with a common wording, not a one-off that happens to sit in the middle.
            top = max(local_weights[m] for m in members)
            common = [m for m in members if local_weights[m] * 2 >= top]
            center = positions[most_central(sub, members, local_weights, candidates=common)]
            label = wordings[ranked[center]].text
            reps: set[str] = set().union(*(askers[k] for k in members_keys))
            groups.append(
                GapGroup(
                    label=label,
                    stage=stage,
                    competitors=tuple(_display_competitor(n, known) for n in names),
                    industries=industries,
                    questions=sum(wordings[k].asks for k in members_keys),
                    reps=len(reps),
                    weak=sum(wordings[k].weak for k in members_keys),
                    said_missing=sum(wordings[k].said for k in members_keys),
                    last_asked=max(wordings[k].last for k in members_keys),
                    command_line=sum(wordings[k].command_line for k in members_keys),
                    wordings=tuple(
                        wordings[k].text for k in members_keys if wordings[k].text != label
                    ),
                )
            )
    groups.sort(key=lambda g: (-g.questions, -g.reps, g.label))
    return groups[:limit]


def _normalise(text: str) -> str:
    return re.sub(r"[\s?!.]+$", "", text.casefold())


def _display_competitor(folded: str, known: list[str]) -> str:
    return next((c for c in known if c.casefold() == folded), folded)


class NotEmbeddedYet(FunnelbotError, LookupError):
    """Some wordings have no cached vector and the caller asked not to embed now."""


class _VectorCache:
    """Vectors of texts already embedded: a Home tab opened again embeds only new questions."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, texts: list[str], *, embed: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            if not embed:
                raise NotEmbeddedYet(f"{len(missing)} wordings are not embedded yet")
            fresh = dict(zip(missing, embedder.encode(missing), strict=True))
            found.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])


_caches: weakref.WeakKeyDictionary[Embedder, _VectorCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def embed_cached(embedder: Embedder, texts: list[str], *, embed: bool = True) -> np.ndarray:
    """Vectors for `texts`, embedding only those not seen before (or raising, if not `embed`)."""
    with _caches_lock:
        cache = _caches.get(embedder)
        if cache is None:
            cache = _caches[embedder] = _VectorCache()
    return cache.get(embedder, texts, embed=embed)
