"""Schema upgrades on a database that already holds a library, answers and clicks: nothing lost.

Rows are written at the first revision through the tables as they were then (reflected, not
today's models), the schema is upgraded to head, and every row must read back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, select, text

from bot.services import Services
from bot.settings import Settings
from content_store.db import MIGRATIONS_DIR, downgrade, make_engine, transaction, upgrade
from content_store.log import (
    LoggedItem,
    NewRecommendation,
    get_recommendation,
    record_feedback,
    record_recommendation,
)
from content_store.models import Base, FeedbackKind

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def insert(engine: Engine, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert through the table as the database has it now; the ids it gave, if it has ids."""
    tables = MetaData()
    tables.reflect(bind=engine)
    target = tables.tables[table]
    ids = []
    with engine.begin() as connection:
        for row in rows:
            statement = target.insert().values(**row)
            if "id" in target.c and "id" not in row:
                ids.append(connection.execute(statement.returning(target.c.id)).scalar_one())
            else:
                connection.execute(statement)
    return ids


def snapshot(engine: Engine, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """The given columns of each table, in a stable order, with times made comparable."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # SQLite hands times back without their zone
        return value

    tables = MetaData()
    tables.reflect(bind=engine)
    out = {}
    with engine.connect() as connection:
        for name, cols in columns.items():
            table = tables.tables[name]
            query = select(*(table.c[c] for c in cols)).order_by(*(table.c[c] for c in cols[:2]))
            out[name] = [tuple(plain(v) for v in row) for row in connection.execute(query)]
    return out


def fill_at_first_revision(engine: Engine) -> None:
    """What a bot at revision 0001 had written: a library, a prospect, answers and clicks."""
    for n, (item, stages) in enumerate(
        [("sec-whitepaper", ["decision"]), ("case-grocer", ["consideration", "decision"])]
    ):
        insert(
            engine,
            "content_items",
            [
                {
                    "id": item,
                    "title": f"Title of {item} — “quoted”",
                    "url": f"https://example.com/{item}",
                    "type": "whitepaper",
                    "stages": stages,
                    "tags": ["security"],
                    "competitors": [],
                    "owner": "pmm@example.com",
                    "review_by": date(2027, 3, 1),
                    "body": "Body text " * 50,
                    "source": f"content/{item}.md",
                    "content_hash": f"{n:064d}",
                    "active": True,
                    "first_seen_at": AT,
                    "updated_at": AT,
                    "removed_at": None,
                }
            ],
        )
    insert(
        engine,
        "chunks",
        [
            {
                "item_id": item,
                "ordinal": 0,
                "text": f"chunk of {item}",
                "vector": bytes(range(256)) * 6,  # 384 float32s' worth of bytes
                "embedding_model": "all-MiniLM-L6-v2",
            }
            for item in ("sec-whitepaper", "case-grocer")
        ],
    )
    insert(
        engine,
        "index_runs",
        [
            {
                "status": "succeeded",
                "trigger": "cli",
                "started_by": None,
                "content_dir": "content",
                "started_at": AT,
                "finished_at": AT,
                "added": 2,
                "changed": 0,
                "removed": 0,
                "unchanged": 0,
                "failed": 0,
                "chunks_embedded": 2,
                "index_version": 1,
                "problems": [{"path": "x.md", "error": "no title"}],
                "error": None,
            }
        ],
    )
    [acme] = insert(
        engine,
        "prospects",
        [{"key": "acme foods", "name": "Acme Foods", "stage": "decision", "updated_at": AT}],
    )
    insert(
        engine,
        "prospect_stage_changes",
        [
            {"prospect_id": acme, "stage": "consideration", "changed_at": AT, "changed_by": "U1"},
            {"prospect_id": acme, "stage": "decision", "changed_at": AT, "changed_by": "U2"},
        ],
    )
    answers = insert(
        engine,
        "recommendations",
        [
            {
                "created_at": AT,
                "question": question,
                "source": "mention",
                "asker": "U1",
                "team_id": "T1",
                "channel_id": "C1",
                "thread_ts": "1700000000.000100",
                "message_ts": "1700000000.000100",
                "request_key": key,
                "prospect": "Acme Foods",
                "stage": "decision",
                "stage_source": "prospect",
                "stage_confidence": 1.0,
                "top_score": 0.71,
                "weak": weak,
                "latency_ms": 88.5,
                "index_version": 1,
            }
            for question, key, weak in [
                ("SOC 2 report for Acme?", "Ev1", False),
                ("anything on cold chain?", None, True),
            ]
        ],
    )
    insert(
        engine,
        "recommendation_items",
        [
            {"recommendation_id": answers[0], "item_id": "sec-whitepaper", "rank": 1,
             "score": 0.71, "reason": "matches “SOC 2”"},
            {"recommendation_id": answers[0], "item_id": "case-grocer", "rank": 2,
             "score": 0.52, "reason": "fits decision"},
            {"recommendation_id": answers[1], "item_id": "case-grocer", "rank": 1,
             "score": 0.22, "reason": "weak"},
        ],
    )  # fmt: skip
    insert(
        engine,
        "feedback",
        [
            {"recommendation_id": answers[0], "item_id": None, "user": "U1", "kind": "useful",
             "reason": None, "comment": None, "created_at": AT},
            {"recommendation_id": answers[0], "item_id": "sec-whitepaper", "user": "U1",
             "kind": "sent", "reason": None, "comment": None, "created_at": AT},
            {"recommendation_id": answers[1], "item_id": None, "user": "U2",
             "kind": "not_useful", "reason": "topic_missing", "comment": "nothing on cold chain",
             "created_at": AT},
        ],
    )  # fmt: skip


EVERY_ROW = {
    "content_items": [
        "id", "title", "url", "type", "stages", "tags", "competitors", "owner", "review_by",
        "body", "source", "content_hash", "active", "first_seen_at", "updated_at", "removed_at",
    ],
    "chunks": ["id", "item_id", "ordinal", "text", "vector", "embedding_model"],
    "index_runs": [
        "id", "status", "trigger", "content_dir", "started_at", "finished_at", "added",
        "chunks_embedded", "index_version", "problems", "error",
    ],
    "prospects": ["id", "key", "name", "stage", "updated_at", "updated_by"],
    "prospect_stage_changes": ["id", "prospect_id", "stage", "changed_at", "changed_by"],
    "recommendations": [
        "id", "created_at", "question", "source", "asker", "team_id", "channel_id", "thread_ts",
        "message_ts", "request_key", "prospect", "stage", "stage_source", "stage_confidence",
        "top_score", "weak", "latency_ms", "index_version",
    ],
    "recommendation_items": ["id", "recommendation_id", "item_id", "rank", "score", "reason"],
    "feedback": [
        "id", "recommendation_id", "item_id", "user", "kind", "reason", "comment", "created_at",
    ],
}  # fmt: skip


def test_upgrading_a_database_full_of_data_from_the_first_revision_keeps_every_row(
    engine: Engine,
) -> None:
    upgrade(engine, "0001")
    fill_at_first_revision(engine)
    before = snapshot(engine, EVERY_ROW)
    assert all(before.values())

    upgrade(engine)

    assert snapshot(engine, EVERY_ROW) == before
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head()


def test_the_upgraded_database_serves_the_bot_as_a_new_one_would(
    engine: Engine, database_url: str, tmp_path: Any
) -> None:
    upgrade(engine, "0001")
    fill_at_first_revision(engine)

    services = Services(Settings(home=tmp_path / "home", database_url=database_url))
    try:
        with transaction(services.sessions) as session:
            old = get_recommendation(session, 1)
            assert old is not None
            assert [i.item_id for i in old.items] == ["sec-whitepaper", "case-grocer"]
            assert [f.kind for f in old.feedback] == ["useful", "sent"]
            # New rows take new ids (sequences moved past the old rows) and the new columns.
            new = record_recommendation(
                session,
                NewRecommendation(
                    question="pricing?",
                    source="slash",
                    stage=None,
                    stage_source="unknown",
                    stage_confidence=0.0,
                    top_score=0.5,
                    weak=False,
                    latency_ms=10.0,
                    items=[LoggedItem("case-grocer", 1, 0.5, "fits")],
                    provisional_id=-42,
                ),
            )
            record_feedback(session, old.id, FeedbackKind.SHARED, user="U3")
        with services.sessions() as session:
            assert get_recommendation(session, -42) is not None
            assert new.id > 2
    finally:
        services.close()


def test_downgrading_to_nothing_and_upgrading_again_gives_the_same_schema(
    engine: Engine,
) -> None:
    upgrade(engine)
    first = schema(engine)

    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)

    assert schema(engine) == first
    assert set(first) == set(Base.metadata.tables) | {"alembic_version"}


def test_each_revision_downgrades_one_step_and_upgrades_again(engine: Engine) -> None:
    upgrade(engine)
    revisions = [r.revision for r in script_directory().walk_revisions()]  # newest first
    assert revisions[-1] == "0001" and len(revisions) >= 6
    for older, newer in zip(revisions[1:], revisions, strict=False):
        downgrade(engine, older)
        upgrade(engine, newer)
        downgrade(engine, older)
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def head() -> str:
    return str(script_directory().get_current_head())


def schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, indexes and unique constraints, comparable across runs."""
    found = inspect(engine)
    out: dict[str, Any] = {}
    for table in found.get_table_names():
        columns = [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)]
        indexes = [
            (i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes(table)
        ]
        uniques = [
            (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
        ]
        out[table] = (sorted(columns), sorted(indexes), sorted(uniques))
    return out


def test_the_migrations_build_exactly_what_the_models_describe(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(engine)

    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert drift == []
