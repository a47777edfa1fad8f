#!/usr/bin/env bash
# Create .venv (if missing) and install funnelbot into it, with the CPU build of PyTorch.
# Usage: scripts/install.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
py=.venv/bin/python
"$py" -m pip install --quiet --upgrade pip

# sentence-transformers needs torch; left to itself pip may fetch a multi-GB CUDA build.
# The CPU wheel index is the honest default for a laptop or a CI runner; set
# FUNNELBOT_TORCH_INDEX="" to take torch from your normal index instead (e.g. for a GPU).
torch_index=${FUNNELBOT_TORCH_INDEX-https://download.pytorch.org/whl/cpu}
if ! "$py" -c "import torch" >/dev/null 2>&1; then
  if [ -n "$torch_index" ]; then
    "$py" -m pip install --quiet --retries 1 --timeout 15 "torch==2.13.0" \
      --extra-index-url "$torch_index"
  else
    "$py" -m pip install --quiet "torch==2.13.0"
  fi
fi

if [ "${1:-}" = "--dev" ]; then
  "$py" -m pip install --quiet -e ".[dev]"
else
  "$py" -m pip install --quiet -e .
fi
