#!/usr/bin/env bash
# The test suite, spread over FUNNELBOT_TEST_WORKERS processes (pytest-xdist; 0 runs it in this
# one). Unset: twice the CPUs, at most 8: much of a test is waiting on a server, a subprocess or
# a timer, which another worker's test can use the CPU for.
set -euo pipefail
cd "$(dirname "$0")/.."
cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
workers=${FUNNELBOT_TEST_WORKERS:-$((cpus * 2 > 8 ? 8 : cpus * 2))}
# Whole files per worker: a module's fixtures (a library ingested, a model exported) are made once.
exec .venv/bin/python -m pytest -q -n "$workers" --dist loadfile "$@"
