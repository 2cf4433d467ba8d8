"""Routing and prompt size over one long learner conversation: how many turns stay on the fast tier, and
whether the prompt stays flat as the conversation grows.

A scripted 200-turn conversation of one Spanish learner (chat with typical mistakes, ~1 in 12 turns a hard
grammar question, and chat that only looks like one: "¿por qué no viniste?", "¿qué tiempo hace?") goes
through the real conversation and sender agents (embedded default: SQLite + in-process bus). The LLM is the
loopback emulator with both tiers, answering TutorTurn JSON with the corrections a teacher would make.

Printed (one JSON line):
- ``fast_share``: turns answered by the fast tier (goal ≥ 0.85), ``smart_turns``, ``structured_share``;
- prompt tokens per turn (the request's messages, ~4 characters a token as Habla budgets them):
  mean over the first 50 turns and the last 50 (flat: the session history is budgeted, not accumulated);
- ``turn_ms_p50`` through the agents, against the baseline from the same run: ``baseline_round_trip_ms_p50``,
  the bare structured call (the router's ``complete_json`` straight to the emulator, no agent, no store);
- ``flashcard_render_ms`` and ``grammar_table_ms``: 11c's ``render_flashcard`` and ``verb_table`` (their own
  floors are in bench/rendering.py); a checkout without them says so in ``not_measured``.

    .venv/bin/python -m bench.routing [--turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid

from habla_testkit.backends import llm_settings
from habla_testkit.conversation import Conversation
from habla_testkit.emulators.llm import LLMEmulator

CHAT = [
    ("Hoy yo soy muy cansado después del trabajo.", ("soy muy cansado", "estoy muy cansado", "ser_estar")),
    ("Ayer voy al mercado con mi madre.", ("voy al mercado", "fui al mercado", "verb_tense")),
    ("Me gusta mucho la comida mexicana.", None),
    ("Mi hermana tiene veinte años y estudia medicina.", None),
    ("El fin de semana vamos a la playa.", None),
    ("La problema es que no tengo tiempo.", ("La problema", "El problema", "gender")),
    ("Trabajo para una empresa de software en Madrid.", None),
    ("¿Por qué no viniste a la fiesta?", None),  # "why", but chat, not grammar
    ("¿Qué tiempo hace hoy en tu ciudad?", None),  # "tiempo" is the weather here
    ("Estoy buscando un piso más grande.", None),
    ("Gracias por la ayuda de ayer.", None),
    ("Yo pienso que es una buena idea.", None),
]
GRAMMAR = [
    "Why do we use the subjunctive after 'espero que'?",
    "¿Cuál es la diferencia entre ser y estar?",
    "When should I use por or para?",
    "¿Se dice 'el agua' o 'la agua'?",
    "Can you explain the imperfect vs the preterite?",
    "Is it correct to say 'me se olvidó'?",
]


def script(turns: int) -> list[str]:
    """Deterministic: every 12th turn a grammar question, the rest chat, cycling."""
    said, chat, grammar = [], 0, 0
    for n in range(turns):
        if n % 12 == 11:
            said.append(GRAMMAR[grammar % len(GRAMMAR)])
            grammar += 1
        else:
            said.append(CHAT[chat % len(CHAT)][0])
            chat += 1
    return said


MISTAKES = {text: mistake for text, mistake in CHAT if mistake}


def teacher(messages) -> str:
    said = messages[-1]["content"]
    corrections = []
    if said in MISTAKES:
        original, corrected, category = MISTAKES[said]
        corrections = [{"original": original, "corrected": corrected, "category": category,
                        "explanation": "See the rule.", "severity": "major"}]
    return json.dumps({"reply": f"¡Muy bien! Has dicho: «{said[:80]}». ¿Y qué más?", "corrections": corrections,
                       "new_words": [{"lemma": "mercado", "translation": "market", "example": "Voy al mercado."}],
                       "pronounce": []}, ensure_ascii=False)


def prompt_tokens(request: dict) -> int:
    from habla.domain.chat import ChatMessage
    from habla.domain.context import prompt_tokens as estimate

    return estimate([ChatMessage(m["role"], m["content"]) for m in request["json"]["messages"]])


async def conversation(settings, emulator, said: list[str]) -> dict:
    turn_ms: list[float] = []
    tokens: list[int] = []
    async with Conversation(settings, ["bench"]) as chat:
        for n, text in enumerate(said):
            before = len(emulator.requests)
            started = time.perf_counter()
            await chat.say("bench", text, uuid.uuid4().hex)
            while len(chat.replies["bench"]) < n + 1:
                chat.replied.clear()
                await chat.replied.wait()
            turn_ms.append((time.perf_counter() - started) * 1000)
            tokens.append(sum(prompt_tokens(r) for r in emulator.requests[before:]))
        learner = await chat.services.store.find_learner("console", "bench")
        turns = await chat.services.store.recent_turns(learner.id, len(said))
        corrections = await chat.services.store.corrections.counts(learner.id)
    tiers = [turn.tier for turn in turns]
    return {
        "turns": len(turns),
        "fast_share": round(tiers.count("fast") / len(tiers), 3),
        "smart_turns": tiers.count("smart"),
        "grammar_questions": sum(1 for text in said if text in GRAMMAR),
        "structured_share": round(sum(1 for t in turns if t.path == "structured") / len(turns), 3),
        "corrections_stored": sum(corrections.values()),
        "prompt_tokens_mean": round(statistics.fmean(tokens), 1),
        "prompt_tokens_first_50": round(statistics.fmean(tokens[:50]), 1),
        "prompt_tokens_last_50": round(statistics.fmean(tokens[-50:]), 1),
        "turn_ms_p50": round(statistics.median(turn_ms), 2),
    }


async def bare_round_trip(settings, calls: int = 50) -> float:
    """The same structured call with nothing around it: router → emulator → validated TutorTurn."""
    from habla.domain.chat import ChatMessage
    from habla.domain.tutor_turn import TutorTurn
    from habla.llm.router import build_router

    router = build_router(settings.llm)
    times = []
    try:
        for n in range(calls):
            started = time.perf_counter()
            await router.complete_json([ChatMessage("system", "tutor"), ChatMessage("user", CHAT[n % len(CHAT)][0])], TutorTurn)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await router.aclose()
    return round(statistics.median(times), 2)


def renders(repeat: int = 20) -> tuple[dict, list[str]]:
    """11c's flashcard and grammar table, when they are in this checkout."""
    figures, missing = {}, []
    try:
        from habla.domain.messages import Flashcard
        from habla.pedagogy.flashcards import render_flashcard
    except ImportError:
        missing.append("flashcard_render_ms (habla.pedagogy.flashcards not in this checkout)")
    else:
        card = Flashcard(word="la mañana", translation="the morning", example="¿Qué haces por la mañana?")
        render_flashcard(card)  # fonts load once
        started = time.perf_counter()
        for _ in range(repeat):
            render_flashcard(card)
        figures["flashcard_render_ms"] = round((time.perf_counter() - started) * 1000 / repeat, 2)
    try:
        from habla.pedagogy.tables import verb_table
    except ImportError:
        missing.append("grammar_table_ms (habla.pedagogy.tables not in this checkout)")
    else:
        verb_table("comer", "es", "B1")  # the conjugation library loads once
        started = time.perf_counter()
        for _ in range(repeat):
            verb_table("comer", "es", "B1")
        figures["grammar_table_ms"] = round((time.perf_counter() - started) * 1000 / repeat, 2)
    return figures, missing


async def main(turns: int) -> dict:
    from habla.config import Settings

    with LLMEmulator(reply_fn=teacher) as emulator, tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{folder}/routing.db",
            llm=llm_settings(emulator, fast=True, smart=True),
            bus={"namespace": f"bench-{uuid.uuid4().hex[:6]}"},
        )
        result = await conversation(settings, emulator, script(turns))
        result["baseline_round_trip_ms_p50"] = await bare_round_trip(settings)
    figures, missing = renders()
    result.update(figures)
    if missing:
        result["not_measured"] = missing
    return {"benchmark": "routing", "goal_fast_share": 0.85, **result}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.turns)), ensure_ascii=False))
