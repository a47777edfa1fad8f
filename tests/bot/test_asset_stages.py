"""Assets whose source gives no stage: the stage model proposes one, marked inferred; a marketer's
confirmation or correction is kept by asset id and wins over the model at every later ingest."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.asset_stages import StageConfirmError, confirm_asset_stage, stage_review
from bot.ingest import ingest
from bot.services import Services
from content_store.lifecycle import lifecycle_counts
from content_store.models import ContentItem, StageConfirmation

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "unstaged"
UNSTAGED = {"blog-what-is-cold-chain", "compare-vendors", "pricing-contract-terms"}


@pytest.fixture
def unstaged(tmp_path: Path) -> Path:
    library = tmp_path / "unstaged"
    shutil.copytree(FIXTURE, library)
    return library


def rows(services: Services) -> dict[str, tuple[list[str], bool]]:
    with services.sessions() as session:
        found = session.execute(
            select(ContentItem.id, ContentItem.stages, ContentItem.stage_inferred)
        )
        return {item_id: (list(stages), inferred) for item_id, stages, inferred in found}


def test_the_model_proposes_a_stage_from_the_text_where_the_source_gives_none(
    services: Services, unstaged: Path
) -> None:
    report = ingest(services, unstaged)

    assert report.missing_stage == sorted(UNSTAGED)
    stored = rows(services)
    # Clear-cut texts: a beginner's guide, a vendor comparison, pricing and the order form.
    assert stored["blog-what-is-cold-chain"] == (["awareness"], True)
    assert stored["compare-vendors"] == (["consideration"], True)
    assert stored["pricing-contract-terms"] == (["decision"], True)
    assert stored["guide-staged"] == (["decision"], False)  # its own metadata wins
    assert report.inferred_stages == {i: stored[i][0][0] for i in UNSTAGED}
    # Answers rank with the proposed stage like any other.
    assert services.searcher().assets["pricing-contract-terms"].stages == ("decision",)
    with services.sessions() as session:
        assert lifecycle_counts(session, today=date.today()).stage_inferred == 3
    review = stage_review(services)
    assert review.total == 3 and {a.id for a in review.assets} == UNSTAGED

    again = ingest(services, unstaged)
    assert again.missing_stage == [] and again.chunks_embedded == 0  # nothing inferred again


def test_a_marketers_stage_survives_edits_reindexes_and_a_removal(
    services: Services, unstaged: Path
) -> None:
    ingest(services, unstaged)
    proposed = rows(services)["compare-vendors"][0]

    change = confirm_asset_stage(services, "compare-vendors", "awareness", user="UMKT")

    assert change.corrected and change.proposed == tuple(proposed)
    assert rows(services)["compare-vendors"] == (["awareness"], False)
    assert services.searcher().assets["compare-vendors"].stages == ("awareness",)
    assert stage_review(services).total == 2

    page = unstaged / "compare-vendors.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nNow with battery life tables.\n")
    edited = ingest(services, unstaged)
    assert edited.changed == ["compare-vendors"] and "compare-vendors" not in edited.missing_stage
    assert rows(services)["compare-vendors"] == (["awareness"], False)

    text = page.read_text(encoding="utf-8")
    page.unlink()
    ingest(services, unstaged, allow_removals=True)
    page.write_text(text, encoding="utf-8")
    back = ingest(services, unstaged)
    assert back.changed == ["compare-vendors"]  # reactivated: written again
    assert rows(services)["compare-vendors"] == (["awareness"], False)

    # A stage written into the file later wins over the confirmation.
    page.write_text(text.replace("type: comparison", "type: comparison\nstage: decision"))
    ingest(services, unstaged)
    assert rows(services)["compare-vendors"] == (["decision"], False)


def test_confirming_the_proposal_keeps_it_and_clears_the_mark(
    services: Services, unstaged: Path
) -> None:
    ingest(services, unstaged)
    proposed = rows(services)["blog-what-is-cold-chain"][0]

    change = confirm_asset_stage(services, "blog-what-is-cold-chain", proposed[0], user="UMKT")

    assert not change.corrected
    assert rows(services)["blog-what-is-cold-chain"] == (proposed, False)
    with services.sessions() as session:
        stored = session.get(StageConfirmation, "blog-what-is-cold-chain")
        assert stored is not None and stored.confirmed_by == "UMKT"


def test_only_an_inferred_stage_can_be_confirmed(services: Services, unstaged: Path) -> None:
    ingest(services, unstaged)

    for asset, stage, reason in (
        ("guide-staged", "awareness", "takes its stage from its source"),
        ("no-such-asset", "awareness", "no asset 'no-such-asset'"),
        ("compare-vendors", "sometime", "unknown stage 'sometime'"),
    ):
        with pytest.raises(StageConfirmError, match=reason):
            confirm_asset_stage(services, asset, stage, user="UMKT")
    assert rows(services)["guide-staged"] == (["decision"], False)
    with services.sessions() as session:
        assert session.scalars(select(StageConfirmation)).all() == []


def test_assets_stored_before_stages_were_inferred_get_one_without_re_embedding(
    services: Services, unstaged: Path
) -> None:
    ingest(services, unstaged)
    with services.sessions.begin() as session:
        session.execute(update(ContentItem).values(stages=[], stage_inferred=False))
        session.execute(
            update(ContentItem).where(ContentItem.id == "guide-staged").values(stages=["decision"])
        )

    report = ingest(services, unstaged)

    assert report.chunks_embedded == 0
    assert report.missing_stage == sorted(UNSTAGED)
    assert all(rows(services)[i][1] for i in UNSTAGED)
    assert rows(services)["pricing-contract-terms"] == (["decision"], True)
