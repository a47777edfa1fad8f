#!/usr/bin/env bash
# The test suite on FUNNELBOT_TEST_WORKERS processes (pytest-xdist), one per CPU unless set;
# 0 runs it in this one. More workers than CPUs would make the tests that time an answer flaky.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${FUNNELBOT_TEST_WORKERS:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
# Whole files per worker: a module's fixtures (a library ingested, a model exported) are made once.
exec .venv/bin/python -m pytest -q -n "$workers" --dist loadfile "$@"
