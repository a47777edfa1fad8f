#!/usr/bin/env bash
# Install funnelbot, ingest the sample library and answer a few questions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export FUNNELBOT_HOME=${FUNNELBOT_HOME:-.funnelbot}
fb=.venv/bin/funnelbot

$fb ingest examples/content
$fb prospect set "Acme Foods" decision
for q in \
  "Acme is comparing us with Forecastly, what do I send?" \
  "prospect asked for our SOC 2 report" \
  "they don't see the problem with spreadsheets yet" \
  "what should I send Acme Foods before the CFO meeting?" \
  "need a healthcare ROI case at decision stage"; do
  echo
  $fb ask "$q" -k 3
done
echo
$fb eval examples/questions.jsonl
