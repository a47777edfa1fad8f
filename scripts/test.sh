#!/usr/bin/env bash
# Install funnelbot with its development tools and run the test suite (SQLite by default;
# set FUNNELBOT_TEST_DATABASE_URL=postgresql://... to run it against PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
exec .venv/bin/python -m pytest -q "$@"
