"""Helpers for end-to-end memory tests: an LLM emulator that also plays the memory agent's model."""

from __future__ import annotations

import asyncio
import json
from typing import Callable

from habla.domain.memory_prompts import FOLD_MARKER, UPDATE_MARKER

MEMORY_AGENTS = ("conversation", "sender", "memory")


def kind_of(request: dict) -> str:
    messages = (request.get("json") or {}).get("messages") or []
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    if system.startswith(UPDATE_MARKER):
        return "update"
    if system.startswith(FOLD_MARKER):
        return "fold"
    return "tutor"


def requests_of(emulator, kind: str) -> list[dict]:
    return [request for request in emulator.requests if kind_of(request) == kind]


def playing_memory(update: Callable[[str], str], fold: Callable[[str], str] | None = None):
    """A reply_fn: ``update(transcript)`` answers profile updates, ``fold`` summaries, the tutor the rest."""

    def reply(messages: list[dict[str, str]]) -> str | None:
        kind = kind_of({"json": {"messages": messages}})
        if kind == "update":
            return update(messages[-1]["content"])
        if kind == "fold":
            return (fold or (lambda _: json.dumps({"summary": "They chatted about their week.", "topic": "la semana"})))(
                messages[-1]["content"]
            )
        return None  # the emulator's default: the tutor line (as a structured turn when one is asked for)

    return reply


async def eventually(check, timeout: float = 20.0, what: str = "condition"):
    """Await ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
