#!/usr/bin/env bash
# Create .venv (if missing) and install funnelbot into it, with the CPU build of PyTorch.
# Usage: scripts/install.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '==> %s\n' "$*"; }

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  step "creating the environment in .venv ($("$PYTHON" --version))"
  "$PYTHON" -m venv .venv
else
  step "using the environment in .venv"
fi
py=.venv/bin/python
"$py" -m pip install --quiet --upgrade pip

# sentence-transformers needs torch. Unset, FUNNELBOT_TORCH_INDEX takes torch from the normal
# index and tries PyTorch's CPU index only if that fails (an unreachable extra index would make
# pip retry for minutes). A URL takes it from that index: PyTorch's CPU index avoids PyPI's
# multi-GB CUDA wheels on Linux. Empty: the normal index only.
cpu_index=https://download.pytorch.org/whl/cpu
if "$py" -c "import torch" >/dev/null 2>&1; then
  step "torch $("$py" -c 'import torch; print(torch.__version__)') is already installed"
elif [ -n "${FUNNELBOT_TORCH_INDEX:-}" ]; then
  step "installing torch 2.13.0 from $FUNNELBOT_TORCH_INDEX (a few minutes)"
  "$py" -m pip install --quiet "torch==2.13.0" --extra-index-url "$FUNNELBOT_TORCH_INDEX"
else
  step "installing torch 2.13.0 (a few minutes)"
  if ! "$py" -m pip install --quiet "torch==2.13.0"; then
    if [ -z "${FUNNELBOT_TORCH_INDEX+set}" ]; then
      step "not on the normal index: trying PyTorch's CPU index"
      "$py" -m pip install --quiet --retries 1 --timeout 15 "torch==2.13.0" \
        --extra-index-url "$cpu_index"
    else
      exit 1
    fi
  fi
fi

if [ "${1:-}" = "--dev" ]; then
  step "installing funnelbot with its development tools (pytest, ruff, mypy)"
  "$py" -m pip install --quiet -e ".[dev]"
else
  step "installing funnelbot"
  "$py" -m pip install --quiet -e .
fi
step "installed: $(.venv/bin/funnelbot --version)"
