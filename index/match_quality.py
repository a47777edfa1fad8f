"""Is the best answer worth sending, or is the question a content gap?

A small logistic model over five signals, fitted on the development sets' labelled questions
(those with a good asset and those without) by ``scripts/tune_ranking.py``:
- the best asset's cosine similarity to the question;
- the share of the question's content words that the library contains at all (a request for
  "FedRAMP" in a library that never says it);
- the share of them that the best asset's passage contains, and that the best three contain;
- the share of the library's text written in the question's language: where it is small, word
  overlap says little (a Dutch question to an English library shares no words with any answer).
Every signal is a share or a cosine, so none depends on the library's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Fitted on the development sets (examples/ and its servolta/ and invoxa/ libraries) only.
WEAK_BIAS = 1.116
WEAK_WEIGHTS = (0.305, -1.759, -2.033, -1.314, 1.48)
# A probability: above it the answer is called weak (FUNNELBOT_WEAK_MATCH overrides). Chosen
# on the development sets where precision and recall (left-one-out) are closest.
WEAK_ABOVE = 0.64


@dataclass(frozen=True)
class MatchEvidence:
    top_cosine: float
    library_coverage: float
    answer_coverage: float
    top3_coverage: float
    language_share: float

    def features(self) -> tuple[float, float, float, float, float]:
        return (
            self.top_cosine,
            self.library_coverage,
            self.answer_coverage,
            self.top3_coverage,
            self.language_share,
        )


NO_EVIDENCE = (0.0, 0.0, 0.0, 0.0, 0.0)


def weak_probability(evidence: MatchEvidence | None) -> float:
    """The probability that no good asset exists for the question (1.0 with no answer at all)."""
    if evidence is None:
        return 1.0
    z = WEAK_BIAS + sum(w * x for w, x in zip(WEAK_WEIGHTS, evidence.features(), strict=True))
    return 1 / (1 + math.exp(-z))
