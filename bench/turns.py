"""What the turn benchmarks share: one timed text turn through a Conversation, and Habla's own part of it.

A turn's total (say → the reply reaches the channel) minus the LLM call the store recorded for it is what
Habla itself costs; benchmarks compare that figure between two settings measured in the same run.
"""

from __future__ import annotations

import time
import uuid


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed_turn(chat, address: str, n: int) -> float:
    """Say sentence ``n`` as ``address`` and wait for its reply; the milliseconds it took."""
    expected = len(chat.replies[address]) + 1
    started = time.perf_counter()
    await chat.say(address, f"Hola, esta es la frase número {n}", uuid.uuid4().hex)
    while len(chat.replies[address]) < expected:
        chat.replied.clear()
        await chat.replied.wait()
    return (time.perf_counter() - started) * 1000


async def own_costs(chat, addresses: list[str], totals: dict[str, list[float]], warmup: int) -> tuple[list[float], list[float]]:
    """(Habla's ms, the LLM call's ms) per turn after the first ``warmup`` turns (turns go round-robin over
    ``addresses``, so turn ``i`` of address ``a`` was overall turn ``i * len(addresses) + index(a)``)."""
    overheads: list[float] = []
    llm: list[float] = []
    for position, address in enumerate(addresses):
        learner = await chat.services.store.learner("console", address)
        calls = await chat.services.store.llm_calls(learner.id)
        for index, (total, call) in enumerate(zip(totals[address], calls)):
            if index * len(addresses) + position < warmup:
                continue
            overheads.append(total - call.latency_ms)
            llm.append(call.latency_ms)
    return overheads, llm
