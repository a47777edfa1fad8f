"""The log as plain data: what `funnelbot log --json` prints."""

from __future__ import annotations

from typing import Any

from content_store.models import Recommendation


def recommendation_to_json(row: Recommendation) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "question": row.question,
        "source": row.source,
        "user": row.asker,
        "team": row.team_id,
        "channel": row.channel_id,
        "thread_ts": row.thread_ts,
        "prospect": row.prospect,
        "stage": row.stage,
        "stage_source": row.stage_source,
        **(
            {
                "crm": {
                    "system": row.crm_system,
                    "deal_id": row.crm_object_id,
                    "raw_stage": row.crm_raw_stage,
                }
            }
            if row.crm_system
            else {}
        ),
        "top_score": round(row.top_score, 4),
        "weak_match": row.weak,
        "latency_ms": round(row.latency_ms, 1),
        "items": [
            {"id": i.item_id, "rank": i.rank, "score": round(i.score, 4), "reason": i.reason}
            for i in row.items
        ],
        "feedback": [
            {
                "kind": f.kind,
                "reason": f.reason,
                "comment": f.comment,
                "user": f.user,
                "asset_id": f.item_id,
                "at": f.created_at.isoformat(),
            }
            for f in row.feedback
        ],
    }
