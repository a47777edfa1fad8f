"""Is the best answer worth sending, or is the question a content gap?

A small logistic model over three signals, fitted on the development set's labelled questions
(those with a good asset and those without) by ``scripts/tune_ranking.py``:
- the best asset's cosine similarity to the question;
- the share of the question's content words that the library contains at all (a request for
  "FedRAMP" in a library that never says it);
- the share of them that the best asset's passage contains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Fitted on examples/questions.jsonl (development set) only.
WEAK_BIAS = 1.223
WEAK_WEIGHTS = (0.075, -1.456, -1.681)  # cosine, library coverage, answer coverage
# A probability: above it the answer is called weak (FUNNELBOT_WEAK_MATCH overrides).
WEAK_ABOVE = 0.5


@dataclass(frozen=True)
class MatchEvidence:
    top_cosine: float
    library_coverage: float
    answer_coverage: float

    def features(self) -> tuple[float, float, float]:
        return (self.top_cosine, self.library_coverage, self.answer_coverage)


def weak_probability(evidence: MatchEvidence | None) -> float:
    """The probability that no good asset exists for the question (1.0 with no answer at all)."""
    if evidence is None:
        return 1.0
    z = WEAK_BIAS + sum(w * x for w, x in zip(WEAK_WEIGHTS, evidence.features(), strict=True))
    return 1 / (1 + math.exp(-z))
