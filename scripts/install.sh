#!/usr/bin/env bash
# Create .venv and install Habla into it (with test tools when given "dev"). Re-running is quick:
# it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.habla-installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
if [ ! -f "$stamp" ]; then
  target="."; [ -n "$extras" ] && target=".[$extras]"
  .venv/bin/python -m pip install -q -e "$target"
  touch "$stamp"
fi
