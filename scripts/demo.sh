#!/usr/bin/env bash
# Install funnelbot, ingest the sample library and answer a few questions.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

bash scripts/install.sh
export FUNNELBOT_HOME=${FUNNELBOT_HOME:-.funnelbot}
fb=.venv/bin/funnelbot

step "exporting the embedding model to $FUNNELBOT_HOME/models (first run only, about a minute)"
.venv/bin/python -c "
from bot.settings import Settings
from index.embedder import Embedder
s = Settings.from_env()
Embedder(s.embedding_model, backend=s.embedding_backend, models_dir=s.models_dir).load()
print(f'{s.embedding_model} ({s.embedding_backend}) ready')
"

step "ingesting the sample library, examples/content"
$fb ingest examples/content
$fb prospect set "Acme Foods" decision

step "answering five questions, as a rep would ask them in Slack"
for q in \
  "Acme is comparing us with Forecastly, what do I send?" \
  "prospect asked for our SOC 2 report" \
  "they don't see the problem with spreadsheets yet" \
  "what should I send Acme Foods before the CFO meeting?" \
  "need a healthcare ROI case at decision stage"; do
  echo
  $fb ask "$q" -k 3
done

step "measuring retrieval quality on examples/questions.jsonl"
$fb eval examples/questions.jsonl
