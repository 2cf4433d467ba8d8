#!/usr/bin/env bash
# Install Habla with its test tools, make sure Postgres and Redis are running, run the whole suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k chunking).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
eval "$(scripts/services.sh)"
exec .venv/bin/python -m pytest -q "$@"
