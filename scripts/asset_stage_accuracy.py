"""How often the stage proposed for an asset with no stage names one of its real stages.

Hides each staged asset's stages in a library, proposes one as ingest does (the first passage's
vector, its title, description and opening) and counts the proposals that name one of them,
beside the most common stage alone. Usage: scripts/asset_stage_accuracy.py [LIBRARY]
(default examples/content, the development library); FUNNELBOT_EMBEDDING_MODEL picks the model.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.asset_stages import proposal_text, propose_stages
from content_store.loaders import load_library
from index.chunking import chunk_text
from index.embedder import Embedder
from index.stage_training import load_or_train


def main() -> None:
    library = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/content")
    items = [item for item in load_library(library).items if item.stages]
    models_dir = Path(tempfile.mkdtemp())  # where an E5 export is made, if one is needed
    embedder = Embedder(os.environ.get("FUNNELBOT_EMBEDDING_MODEL") or None, models_dir=models_dir)
    model = load_or_train(
        embedder.model_id, lambda texts: embedder.encode(texts, queries=True), models_dir
    )
    vectors = list(embedder.encode([chunk_text(i.title, i.body)[0] for i in items]))
    texts = [proposal_text(i.title, (i.details or {}).get("description"), i.body) for i in items]
    started = time.perf_counter()
    proposed = propose_stages(model, vectors, texts)
    elapsed = time.perf_counter() - started
    hits = sum(stage in item.stages for stage, item in zip(proposed, items, strict=True))
    common, _ = Counter(s for i in items for s in i.stages).most_common(1)[0]
    baseline = sum(common in i.stages for i in items)
    print(
        f"{library}: {hits}/{len(items)} proposals name one of the asset's stages "
        f"(always {common}: {baseline}/{len(items)}); {elapsed / len(items) * 1000:.2f} ms each"
    )


if __name__ == "__main__":
    main()
