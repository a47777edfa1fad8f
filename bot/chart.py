"""The /content-stats chart: surfaced vs useful per asset, and questions vs assets per stage."""

from __future__ import annotations

import io
from collections.abc import Sequence

from content_store.stats import AssetUsage, StageCoverage

MAX_BARS = 12
LABEL_CHARS = 38


def stats_chart_png(
    assets: Sequence[AssetUsage], stages: Sequence[StageCoverage], *, days: int
) -> bytes:
    """A PNG with two bar charts; drawn off-screen (Agg), safe to call from listener threads."""
    # The object API with an Agg canvas: no pyplot global state, no display needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = [a for a in assets if a.surfaced][:MAX_BARS]
    figure = Figure(figsize=(11, 4.5 + 0.3 * len(top)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])

    rows = list(range(len(top)))[::-1]  # the most surfaced at the top
    left.barh([r + 0.2 for r in rows], [a.surfaced for a in top], 0.4, label="surfaced")
    left.barh([r - 0.2 for r in rows], [a.useful for a in top], 0.4, label="rated useful")
    left.set_yticks(rows, [_short(a.title) for a in top], fontsize=8)
    left.set_title(f"Top assets, last {days} days")
    left.set_xlabel("answers")
    if top:
        left.legend(loc="lower right", fontsize=8)
    else:
        left.text(0.5, 0.5, "No answers yet", ha="center", va="center", transform=left.transAxes)

    names = [s.stage for s in stages]
    spots = list(range(len(stages)))
    right.bar([x - 0.2 for x in spots], [s.questions for s in stages], 0.4, label="questions")
    twin = right.twinx()  # a library has tens of assets, a log thousands of questions
    twin.bar([x + 0.2 for x in spots], [s.assets for s in stages], 0.4, label="assets", color="C2")
    right.set_xticks(spots, names)
    right.set_ylabel("questions")
    twin.set_ylabel("assets")
    right.set_title("Questions vs assets per stage")
    handles = right.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    right.legend(handles=handles, loc="upper left", fontsize=8)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(title: str) -> str:
    return title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1].rstrip() + "…"
