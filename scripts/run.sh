#!/usr/bin/env bash
# Install (first time) and run Habla on its embedded default: SQLite + in-process bus + local models
# (Whisper, TTS, and the LLM that `.venv/bin/habla model pull` downloads).
#   scripts/run.sh            → habla chat (the terminal as your phone)
#   scripts/run.sh serve      → the HTTP API and agents on 127.0.0.1:8000
#   scripts/run.sh doctor     → what is configured and reachable
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh >&2
exec .venv/bin/habla "${@:-chat}"
