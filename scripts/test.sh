#!/usr/bin/env bash
# Install funnelbot with its development tools and run the test suite (SQLite by default;
# set FUNNELBOT_TEST_DATABASE_URL=postgresql://... to run it against PostgreSQL).
# The suite is spread over FUNNELBOT_TEST_WORKERS processes (pytest-xdist; 0: one process).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
exec bash scripts/pytest.sh "$@"
