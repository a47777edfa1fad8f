"""Incremental ingest against the real model, FAISS and database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot import search_index
from bot.ingest import ingest
from bot.recommend import Question, recommend
from bot.search_index import load_searcher
from bot.services import Services
from content_store.log import get_recommendation
from content_store.models import Chunk, ContentItem, IndexRun
from content_store.team_config import load_saved_team_config
from index.chunking import CHUNKING

PRICING = Path("pricing/pricing-sheet-2027.md")


def _chunk_ids(services: Services) -> dict[str, set[int]]:
    with services.sessions() as session:
        rows = session.execute(select(Chunk.item_id, Chunk.id)).all()
    ids: dict[str, set[int]] = {}
    for item_id, chunk_id in rows:
        ids.setdefault(item_id, set()).add(chunk_id)
    return ids


def test_first_ingest_adds_every_item_and_indexes_its_chunks(
    services: Services, library: Path
) -> None:
    report = ingest(services, library)

    assert report.counts["added"] == 32
    assert report.problems == []
    assert report.chunks_embedded >= 32
    with services.sessions() as session:
        assert session.scalar(select(func.count(Chunk.id))) == report.chunks_embedded
    assert len(services.searcher()) == 32


def test_unchanged_library_embeds_nothing(ingested: Services, library: Path) -> None:
    before = _chunk_ids(ingested)

    report = ingest(ingested, library)

    assert report.counts == {"added": 0, "changed": 0, "removed": 0, "unchanged": 32, "failed": 0}
    assert report.chunks_embedded == 0
    assert _chunk_ids(ingested) == before


def test_a_library_cut_by_an_older_chunking_rule_is_cut_again(
    ingested: Services, library: Path
) -> None:
    # As a database from before the rule was recorded holds them: long passages, no rule.
    with ingested.sessions() as session:
        session.execute(update(Chunk).values(chunking=None))
        session.commit()
        before = session.scalar(select(func.count(Chunk.id)))

    report = ingest(ingested, library)

    assert report.counts["changed"] == 32
    with ingested.sessions() as session:
        assert set(session.scalars(select(Chunk.chunking).distinct())) == {CHUNKING}
        assert session.scalar(select(func.count(Chunk.id))) == before
    again = ingest(ingested, library)
    assert again.counts["unchanged"] == 32
    assert again.chunks_embedded == 0


def test_changed_item_is_reembedded_and_others_are_not(ingested: Services, library: Path) -> None:
    before = _chunk_ids(ingested)
    path = library / PRICING
    path.write_text(
        path.read_text(encoding="utf-8") + "\nNew for 2027: a hospital bundle.\n", encoding="utf-8"
    )

    report = ingest(ingested, library)

    assert report.changed == ["price-tidewell-pricing-sheet"]
    after = _chunk_ids(ingested)
    assert after["price-tidewell-pricing-sheet"].isdisjoint(before["price-tidewell-pricing-sheet"])
    assert {k: v for k, v in after.items() if k != "price-tidewell-pricing-sheet"} == {
        k: v for k, v in before.items() if k != "price-tidewell-pricing-sheet"
    }


def test_a_reindex_shares_unchanged_texts_and_assets_with_the_version_it_replaces(
    ingested: Services, library: Path
) -> None:
    # While a reindex builds, the version serving is still held: what did not change is held
    # once, by both.
    old = ingested.searcher()
    path = library / PRICING
    text = path.read_text(encoding="utf-8").replace("discounts (2027)", "discounts (2027, v2)")
    path.write_text(text + "\nNew: a hospital bundle.\n", "utf-8")

    ingest(ingested, library)

    new = ingested.searcher()
    assert new is not old
    ids = _chunk_ids(ingested)
    changed = "price-tidewell-pricing-sheet"
    assert "hospital bundle" in " ".join(str(new.chunk_text(c)) for c in ids[changed])
    for item_id, chunk_ids in ids.items():
        if item_id != changed:
            for chunk_id in chunk_ids:
                assert new.chunk_text(chunk_id) is not None
                assert new.chunk_text(chunk_id) is old.chunk_text(chunk_id)
    assert new.assets[changed].title.endswith("(2027, v2)")
    unchanged = [i for i in ids if i != changed]
    assert all(new.assets[i] is old.assets[i] for i in unchanged)
    # Sharing changes nothing a question sees: a fresh load answers alike.
    fresh = load_searcher(
        ingested.sessions,
        ingested.embedder,
        ingested.settings.index_dir,
        team_config=load_saved_team_config(ingested.settings.team_config_path),
    )
    question = "pricing for a hospital"
    assert new.search(question, stage=None) == fresh.search(question, stage=None)


def test_removed_item_leaves_results_but_stays_in_the_log(
    ingested: Services, library: Path
) -> None:
    question = "what is the price of Tidewell per location?"
    first = recommend(ingested, Question(text=question))
    assert "price-tidewell-pricing-sheet" in [i.asset_id for i in first.items]
    (library / PRICING).unlink()

    report = ingest(ingested, library)
    second = recommend(ingested, Question(text=question))

    assert report.removed == ["price-tidewell-pricing-sheet"]
    assert "price-tidewell-pricing-sheet" not in [i.asset_id for i in second.items]
    with ingested.sessions() as session:
        item = session.get_one(ContentItem, "price-tidewell-pricing-sheet")
        assert item.active is False
        logged = get_recommendation(session, first.recommendation_id)
        assert logged is not None
        assert "price-tidewell-pricing-sheet" in [i.item_id for i in logged.items]


def test_restored_file_comes_back(ingested: Services, library: Path) -> None:
    saved = (library / PRICING).read_text(encoding="utf-8")
    (library / PRICING).unlink()
    ingest(ingested, library)
    (library / PRICING).write_text(saved, encoding="utf-8")

    report = ingest(ingested, library)

    assert report.changed == ["price-tidewell-pricing-sheet"]
    assert "price-tidewell-pricing-sheet" in ingested.searcher().assets


def test_bad_file_is_reported_and_everything_else_ingests(
    services: Services, library: Path
) -> None:
    (library / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    (library / "nostage.md").write_text(
        "---\ntitle: A note\nstage: later\n---\nbody\n", encoding="utf-8"
    )

    report = ingest(services, library)

    assert report.counts["added"] == 32
    reasons = {p.path: p.reason for p in report.problems}
    assert set(reasons) == {"broken.md", "nostage.md"}
    assert "later" in reasons["nostage.md"]
    assert report.counts["failed"] == 2


def test_dry_run_changes_nothing(ingested: Services, library: Path) -> None:
    (library / PRICING).unlink()

    report = ingest(ingested, library, dry_run=True)

    assert report.removed == ["price-tidewell-pricing-sheet"]
    assert "price-tidewell-pricing-sheet" in ingested.searcher().assets
    with ingested.sessions() as session:
        assert session.get_one(ContentItem, "price-tidewell-pricing-sheet").active is True
        assert session.scalar(select(func.count(IndexRun.id))) == 1


def test_index_is_served_from_the_database_after_a_restart(
    ingested: Services, library: Path, embedder: object
) -> None:
    from index.embedder import Embedder

    assert isinstance(embedder, Embedder)
    answer_before = recommend(ingested, Question(text="SOC 2 report"))
    # A new process: same database and home, fresh services; the cache files are gone too.
    import shutil

    shutil.rmtree(ingested.settings.index_dir)
    restarted = Services(ingested.settings, embedder=embedder)
    try:
        answer_after = recommend(restarted, Question(text="SOC 2 report"))
    finally:
        restarted.close()
    assert [i.asset_id for i in answer_after.items] == [i.asset_id for i in answer_before.items]


def test_vectors_read_for_other_chunks_than_the_texts_are_refused(ingested: Services) -> None:
    # The texts and the vectors are read in two passes; a reindex committing between them
    # must make the load start over, not pair texts with the wrong vectors.
    with ingested.sessions() as session:
        chunks = search_index._read_chunks(session, ingested.searcher().assets, None)
        index = search_index._read_vectors(session, chunks, ingested.embedder.dim)
        assert len(index) == len(chunks)
        for moved in (chunks[1:], chunks[:-1], [chunks[1], chunks[0], *chunks[2:]]):
            with pytest.raises(search_index._ChunksMoved):
                search_index._read_vectors(session, moved, ingested.embedder.dim)
