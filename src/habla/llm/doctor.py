"""`habla doctor` for a ``local`` tier: the file, its size and quantisation, and what it does on this machine.

The model is loaded and asked for a short answer here, so the load time and tokens/s are measured, not
guessed: the figures an operator needs to choose a model size and the tier's timeout.
"""

from __future__ import annotations

import time

from habla.config import LLMTierSettings, LocalLLMSettings
from habla.errors import HablaError
from habla.llm.base import ChatMessage

PROBE = [ChatMessage("user", "Escribe una frase corta en español sobre el tiempo de hoy.")]
PROBE_TOKENS = 48


async def check_local(tier: LLMTierSettings, local: LocalLLMSettings) -> tuple[bool, str]:
    from habla.llm.gguf_info import NotGGUF, read_info
    from habla.llm.registry import build_llm

    try:
        llm = build_llm(tier, local)
        info = read_info(llm.path)
    except (HablaError, NotGGUF, OSError) as exc:
        return False, f"local model: {exc}"
    engine = llm.engine
    was_loaded = engine.loaded
    try:
        load_s = await _load(engine)
        started = time.perf_counter()
        completion = await llm.complete(PROBE, max_tokens=PROBE_TOKENS, timeout_s=max(tier.timeout_s, 60))
        ended = time.perf_counter()
    except HablaError as exc:
        return False, f"local {info.describe()}: {exc}"
    finally:
        await llm.aclose()
    first = completion.first_token_at or started
    rate = (completion.tokens_out - 1) / (ended - first) if completion.tokens_out > 1 and ended > first else 0.0
    loaded = "already loaded" if was_loaded else f"loaded in {load_s:.1f} s"
    return True, (
        f"local {info.describe()}; {loaded}; first token {(first - started) * 1000:.0f} ms, "
        f"{rate:.1f} tokens/s here"
    )


async def _load(engine) -> float:
    import asyncio

    return await asyncio.to_thread(engine.load)
