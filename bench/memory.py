"""Learner memory: recall latency, prompt size over a long conversation, and Redis bytes per session.

- recall: one learner with 100 and with 1,000 memories among ``--others`` learners holding 1,000 each, on
  Postgres + pgvector and on SQLite + numpy. ``recall_ms_*`` time the search itself (candidates by vector and
  keywords, scoped to the learner, then ranking) for a query vector; ``recall_total_ms_p95_1000`` adds
  embedding the question with the local model and counting the hits, i.e. what a turn that refers to the
  past pays. Stored vectors are random unit vectors (latency does not depend on what they mean).
  ``bare_pgvector_ms_*_1000`` is the baseline from the same run: the nearest-20 pgvector query alone, on a
  raw asyncpg connection with the binary codec, over the same rows, interleaved query by query with Habla's
  (goal: ``habla_over_bare_*_1000``, Habla's search over it, at most 3).
- prompt tokens: a scripted conversation through the real agents (conversation, sender, memory) on Postgres +
  Redis, the LLM emulator answering as tutor, as profile updater and as summariser; tokens of the tutor's
  prompt at turns 20 and 200, counted with the WordPiece tokenizer of the embedding model (it splits Spanish
  finer than the LLMs' BPE tokenizers, so the figure errs high) and with Habla's own estimate (chars / 4).
- session_bytes: Redis MEMORY USAGE of that learner's session (hash + list) after the conversation.

Prints one JSON line.

    .venv/bin/python -m bench.memory [--queries 200] [--others 20] [--turns 200] [--recall-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid

import numpy as np

from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings, production_backends
from habla_testkit.emulators.llm import LLMEmulator
from habla_testkit.memory import MEMORY_AGENTS, kind_of, playing_memory, requests_of

WORDS = "cocina receta viaje familia trabajo música fútbol perro ciudad playa libro película mercado tren".split()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def fill(engine, learner_id: str, count: int, rng: np.random.Generator) -> None:
    """Bulk insert ``count`` memories for one learner (executemany)."""
    from sqlalchemy import insert

    from habla.domain.recall import terms_field
    from habla.storage.models import MemoryRow

    postgres = engine.dialect.name == "postgresql"
    vectors = unit_vectors(rng, count)
    rows = []
    for i in range(count):
        words = list(rng.choice(WORDS, 4, replace=False))
        text = f"The learner talked about {' '.join(words)} (note {i})."
        rows.append({
            "id": uuid.uuid4().hex, "learner_id": learner_id, "kind": "moment", "text": text,
            "terms": terms_field([text, *words]), "importance": float(rng.integers(1, 4)), "hits": 0,
            "created_at": time.time() - i, "embedding_model": "bench",
            "embedding": vectors[i].astype(np.float32) if postgres else vectors[i].tobytes(),
        })
    async with engine.begin() as connection:
        await connection.execute(insert(MemoryRow.__table__), rows)
    if postgres:  # fresh statistics, as autovacuum would soon give them, so the plan is the steady-state one
        async with engine.connect() as connection:
            await (await connection.get_raw_connection()).driver_connection.execute("VACUUM ANALYZE memories")


async def measure_recall(url: str, queries: int, others: int, embedder) -> dict:
    from habla.domain.recall import rank, terms
    from habla.memory.recall import Recall
    from habla.storage.database import create_engine, migrate
    from habla.storage.store import Store

    await migrate(url)
    store = Store(create_engine(url))
    rng = np.random.default_rng(7)
    try:
        for n in range(others):
            learner = await store.learner("bench", f"other-{n}")
            await fill(store.engine, learner.id, 1000, rng)
        result = {}
        target = await store.learner("bench", "target")
        loaded = 0
        for size in (100, 1000):
            await fill(store.engine, target.id, size - loaded, rng)
            loaded = size
            timings, bare_timings = [], []
            bare = await bare_query(url, target.id) if size == 1000 and store.postgres else None
            for q in range(queries + 20):
                question = f"¿Te acuerdas de la {WORDS[q % len(WORDS)]} y el {WORDS[(q * 3) % len(WORDS)]}?"
                vector = unit_vectors(rng, 1)[0]
                started = time.perf_counter()
                found = await store.candidates(target.id, vector, "bench", terms(question))
                rank(terms(question), [f.candidate for f in found], 3)
                if q >= 20:  # warm-up
                    timings.append((time.perf_counter() - started) * 1000)
                if bare is not None:  # interleaved, so both see the same moment of a noisy machine
                    elapsed = await bare(vector)
                    if q >= 20:
                        bare_timings.append(elapsed)
            result[f"recall_ms_p50_{size}"] = round(percentile(timings, 0.5), 2)
            result[f"recall_ms_p95_{size}"] = round(percentile(timings, 0.95), 2)
            if bare is not None:
                await bare.close()
                for q in ("p50", "p95"):
                    result[f"bare_pgvector_ms_{q}_1000"] = round(percentile(bare_timings, 0.5 if q == "p50" else 0.95), 2)
                    result[f"habla_over_bare_{q}_1000"] = round(result[f"recall_ms_{q}_1000"] / result[f"bare_pgvector_ms_{q}_1000"], 2)
        recall = Recall(store, embedder)
        totals = []
        for q in range(queries // 2 + 5):
            started = time.perf_counter()
            await recall.search(target.id, f"Do you remember the {WORDS[q % len(WORDS)]} we talked about?", 3)
            if q >= 5:
                totals.append((time.perf_counter() - started) * 1000)
        result["recall_total_ms_p95_1000"] = round(percentile(totals, 0.95), 2)
        return result
    finally:
        await store.aclose()


async def bare_query(url: str, learner_id: str):
    """The baseline: pgvector's nearest-20 for the learner, nothing else (no keyword half, no ranking), on
    its own asyncpg connection with the binary codec. Returns an async callable timing one query (ms)."""
    import asyncpg
    from pgvector.asyncpg import register_vector
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connection = await asyncpg.connect(user=parsed.username, password=parsed.password, host=parsed.host,
                                       port=parsed.port or 5432, database=parsed.database)
    await register_vector(connection)
    sql = ("SELECT id, 1 - (embedding <=> $3) AS cosine FROM memories WHERE learner_id = $1 AND embedding IS NOT NULL "
           "AND embedding_model = $2 ORDER BY embedding <=> $3 LIMIT 20")

    async def run(vector) -> float:
        started = time.perf_counter()
        await connection.fetch(sql, learner_id, "bench", np.asarray(vector, dtype=np.float32))
        return (time.perf_counter() - started) * 1000

    run.close = connection.close  # type: ignore[attr-defined]
    return run


LINES = [
    "Ayer fui al mercado con mi hermana y compramos tomates, pan y un poco de queso para la cena del sábado.",
    "No sé si se dice 'estoy cansado' o 'soy cansado' cuando trabajo mucho durante toda la semana.",
    "Mi perro se llama Trufa y le encanta correr por la playa cuando hace buen tiempo por la mañana.",
    "En mayo quiero viajar a Barcelona para ver a mis amigos y practicar mi español en la calle.",
    "Esta semana leí un libro muy interesante sobre la historia de la cocina española y sus recetas.",
]


async def measure_conversation(settings, turns: int, emulator) -> dict:
    from tokenizers import Tokenizer

    from habla.domain.text import estimate_tokens
    from habla.memory.embeddings import local_model_files

    files = local_model_files()
    tokenizer = Tokenizer.from_file(str(files[1])) if files else None
    if tokenizer is not None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
    address = "+34600000042"
    figures: dict = {}
    async with Conversation(settings, [address], agents=MEMORY_AGENTS) as chat:
        for n in range(1, turns + 1):
            await chat.say(address, f"{LINES[n % len(LINES)]} (mensaje {n})", uuid.uuid4().hex)
            await chat.wait_replies(address, n, timeout=60)
            if n in (20, turns):
                prompt = requests_of(emulator, "tutor")[-1]["json"]["messages"]
                text = "\n".join(m["content"] for m in prompt)
                if tokenizer is not None:
                    figures[f"prompt_tokens_turn_{n}"] = sum(len(tokenizer.encode(m["content"]).ids) + 4 for m in prompt)
                figures[f"prompt_tokens_turn_{n}_estimate"] = sum(estimate_tokens(m["content"]) + 4 for m in prompt)
                figures[f"prompt_chars_turn_{n}"] = len(text)
        await asyncio.sleep(1.0)  # let the memory agent finish its last update before measuring the session
        learner = await chat.services.store.learner("console", address)
        sessions = chat.services.memory.sessions
        if hasattr(sessions, "memory_usage"):
            figures["session_bytes"] = await sessions.memory_usage(learner.id)
        state = await sessions.load(learner.id)
        figures["session_messages"] = len(state.messages)
        figures["memories_stored"] = await chat.services.store.count_memories(learner.id)
    kinds = [kind_of(request) for request in emulator.requests]
    figures["llm_calls"] = {kind: kinds.count(kind) for kind in ("tutor", "update", "fold")}
    return figures


def memory_answers(transcript: str) -> str:
    return json.dumps({
        "facts": [{"key": "home_city", "value": "Sevilla"}, {"key": "pet", "value": "a dog called Trufa"}],
        "interests": ["cooking", "travel"], "goals": ["talk with friends in Barcelona in May"],
        "errors": [{"category": "ser_vs_estar", "example": "soy cansado → estoy cansado"}],
        "vocabulary": ["mercado", "receta", "viajar"],
        "summary": {"text": "The learner talked about the market, their dog Trufa and a trip to Barcelona.",
                    "keywords": ["market", "mercado", "dog", "perro", "trip", "viaje", "Barcelona"]},
        "moments": [{"text": "The learner mixed up ser and estar with 'cansado'.", "keywords": ["ser", "estar", "cansado"]}],
    })


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--recall-only", action="store_true", help="skip the long conversation")
    args = parser.parse_args()
    from habla.config import Settings
    from habla.memory.embeddings import LocalMiniLM

    embedder = LocalMiniLM()
    await embedder.embed(["warm up"])
    result: dict = {"benchmark": "memory", "cpus": os.cpu_count(), "goal_recall_ms": 5, "goal_prompt_tokens": 2000,
                    "goal_session_bytes": 16384}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = await measure_recall(f"sqlite+aiosqlite:///{tmp}/bench.db", args.queries, args.others, embedder)
    async with production_backends() as (url, _, _):
        postgres = await measure_recall(url, args.queries, args.others, embedder)
    for key in ("recall_ms_p95_100", "recall_ms_p95_1000"):
        result[key] = postgres[key]
    result["recall"] = {"postgres_pgvector": postgres, "sqlite_numpy": sqlite, "other_learners": args.others}
    if args.recall_only:
        print(json.dumps(result))
        return
    async with production_backends() as (url, redis_url, namespace):
        with LLMEmulator(reply_fn=playing_memory(memory_answers)) as emulator:
            settings = Settings(
                _env_file=None, database_url=url, redis_url=redis_url, llm=llm_settings(emulator),
                bus={"namespace": namespace, "block_ms": 200},
            )
            from habla.storage.database import migrate

            await migrate(url)
            result.update(await measure_conversation(settings, args.turns, emulator))
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
