"""Train the bundled stage model for an embedding model and write it to index/stage_models/.

Usage: .venv/bin/python scripts/train_stage_model.py [MODEL] [--backend onnx-int8]
Rerun whenever index/stage_data/stage_questions.jsonl or the embedding model changes; a
missing or stale bundle is also trained at first use and cached under FUNNELBOT_HOME/models.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.settings import DEFAULT_MODEL, Settings
from index.embedder import Embedder
from index.stage_training import (
    BUNDLED_DIR,
    data_hash,
    model_file_name,
    read_training_data,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    parser.add_argument("--backend", default="")
    args = parser.parse_args()
    settings = Settings(
        home=Path(os.environ.get("FUNNELBOT_HOME", ".funnelbot")),
        embedding_model=args.model,
        embedding_backend=args.backend,
    )
    embedder = Embedder(
        settings.embedding_model,
        backend=settings.embedding_backend,
        models_dir=settings.models_dir,
    )
    texts, stages = read_training_data()
    started = time.perf_counter()
    vectors = embedder.encode(texts, queries=True)  # read as questions are, at answer time
    model_id = args.model.rsplit("/", 1)[-1]
    model, report = train(texts, vectors, stages, model_id=model_id, data_hash=data_hash())
    path = BUNDLED_DIR / model_file_name(model_id)
    model.save(path)
    print(
        f"{model_id} ({settings.embedding_backend}): {report.examples} questions, C={report.c}, "
        f"temperature {report.temperature}, cross-validated accuracy {report.cv_accuracy:.3f}, "
        f"ECE {report.cv_ece:.3f}, {time.perf_counter() - started:.1f} s -> {path}"
    )


if __name__ == "__main__":
    main()
