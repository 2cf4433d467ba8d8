"""`habla doctor`: what is reachable, what is missing, and which setting fixes it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from habla.config import Settings
from habla.domain.chat import ChatMessage


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


async def run_checks(settings: Settings) -> list[Check]:
    checks = [await _database(settings), await _redis(settings), await _workers(settings),
              *[await _llm(settings, tier) for tier in ("fast", "smart")]]
    vectors = await _vectors(settings)
    if vectors is not None:
        checks.insert(1, vectors)
    return checks + _channels(settings) + await _voice(settings) + [await _memory(settings)] + await _billing(settings)


async def _billing(settings: Settings) -> list[Check]:
    from habla.billing.doctor import billing_checks

    return [Check(name, ok, detail, required) for name, ok, detail, required in await billing_checks(settings)]


def _channels(settings: Settings) -> list[Check]:
    from habla.channels.doctor import channel_checks

    return [Check(name, ok, detail) for name, ok, detail in channel_checks(settings)]


async def _memory(settings: Settings) -> Check:
    from habla.memory.doctor import check_embeddings

    ok, detail = await check_embeddings(settings)
    return Check("memory", ok, detail, required=False)


async def _voice(settings: Settings) -> list[Check]:
    """Optional: without a speech model the tutor still works, and voice notes get a clear reply."""
    import asyncio

    from habla.voice.doctor import check_speech, check_tts

    speech_ok, speech = await asyncio.to_thread(check_speech, settings.voice)
    tts_ok, tts = await asyncio.to_thread(check_tts, settings.voice)
    return [Check("voice.stt", speech_ok, speech, required=False), Check("voice.tts", tts_ok, tts, required=False)]


async def _database(settings: Settings) -> Check:
    from habla.storage.database import create_engine, current_revision, head_revision, is_sqlite

    engine = create_engine(settings.database_url)
    try:
        revision = await current_revision(engine)
    except Exception as exc:  # doctor reports every failure rather than stopping at the first
        return Check("database", False, f"{engine.dialect.name} unreachable ({type(exc).__name__}: {exc}); check HABLA_DATABASE_URL")
    finally:
        await engine.dispose()
    if revision != head_revision() and is_sqlite(settings.database_url):
        return Check("database", True, f"sqlite, schema at {revision or 'nothing'}; migrated to {head_revision()} on start")
    if revision != head_revision():
        return Check("database", False, f"{engine.dialect.name} reachable, schema at {revision or 'nothing'}: run `habla migrate`")
    return Check("database", True, f"{engine.dialect.name}, schema at {revision}")


async def _vectors(settings: Settings) -> Check | None:
    """On Postgres: is recall served by pgvector, or by the exact Python search over stored bytes?"""
    from habla.storage.memories import MemoryTable
    from habla.storage.database import create_engine, is_sqlite

    if is_sqlite(settings.database_url):
        return None
    engine = create_engine(settings.database_url)
    try:
        pgvector = await MemoryTable(engine).uses_pgvector()
    except Exception:  # not migrated or unreachable: the database line already says so
        return None
    finally:
        await engine.dispose()
    if pgvector:
        return Check("vectors", True, "pgvector: recall searches in the database")
    return Check("vectors", False, (
        "this Postgres has no pgvector, so recall searches each learner's vectors in Python (exact, fine up to "
        "1,000 memories a learner); pgvector would be faster: install it (postgresql-NN-pgvector, or the "
        "pgvector/pgvector image) before migrating a new database"
    ), required=False)


async def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("bus", True, "embedded (in-process); set HABLA_REDIS_URL to scale out with workers")
    import redis.asyncio as redis

    client = redis.from_url(settings.redis_url, socket_connect_timeout=3)
    try:
        started = time.perf_counter()
        await client.ping()
        info = await client.info("server")
        return Check("bus", True, f"Redis {info.get('redis_version')} streams, ping {(time.perf_counter() - started) * 1000:.1f} ms")
    except Exception as exc:
        return Check("bus", False, f"Redis unreachable ({type(exc).__name__}); check HABLA_REDIS_URL")
    finally:
        await client.aclose()


async def _workers(settings: Settings) -> Check:
    """Which agents are consuming right now, from the bus's own heartbeats (a warning, never a failure:
    an operator may run `habla doctor` before starting workers)."""
    if not settings.redis_url:
        return Check("workers", True, "embedded: the agents run inside `habla serve` / `habla chat`", required=False)
    from habla.services import build_bus

    bus = build_bus(settings, consumer_name="habla-doctor")
    try:
        live = await bus.live_consumers()
    except Exception as exc:
        return Check("workers", False, f"could not read worker heartbeats ({type(exc).__name__})", required=False)
    finally:
        await bus.aclose()
    if not live:
        return Check("workers", False, "no agent is consuming: start `habla worker` (or `habla serve` with agents)", required=False)
    listed = ", ".join(f"{group}×{count}" for group, count in sorted(live.items()))
    # (the sender consumes only the topics of configured channels, so with none it has nothing to run)
    if "conversation" not in live:
        return Check("workers", False, f"live: {listed}; nobody runs the conversation agent: messages will wait", required=False)
    return Check("workers", True, f"live: {listed}", required=False)


async def _llm(settings: Settings, tier: str) -> Check:
    from habla.llm.local_models import how_to_get_one
    from habla.llm.registry import build_llm, effective_settings

    llm_settings = effective_settings(settings.llm)  # with no tier set, a pulled local model runs the fast one
    tier_settings = getattr(llm_settings, tier)
    prefix = f"HABLA_LLM__{tier.upper()}__"
    if not tier_settings.configured:
        fix = (
            f"set {prefix}PROVIDER (openai|anthropic|local), {prefix}BASE_URL, {prefix}MODEL, {prefix}API_KEY"
            if tier == "smart" else f"{how_to_get_one(settings.llm.local)} ({prefix}MODEL, {prefix}API_KEY…)"
        )
        return Check(
            f"llm.{tier}",
            False,
            f"not configured: {fix}",
            required=tier == "fast" and not llm_settings.smart.configured,
        )
    if tier_settings.provider == "local":
        from habla.llm.doctor import check_local

        ok, detail = await check_local(tier_settings, llm_settings.local)
        return Check(f"llm.{tier}", ok, detail)
    llm = build_llm(tier_settings)
    started = time.perf_counter()
    try:
        completion = await llm.complete([ChatMessage("user", "Say hola.")], max_tokens=5, timeout_s=min(tier_settings.timeout_s, 15))
        ms = (time.perf_counter() - started) * 1000
        return Check(f"llm.{tier}", True, f"{tier_settings.provider} {completion.model or tier_settings.model} answered in {ms:.0f} ms")
    except Exception as exc:
        return Check(f"llm.{tier}", False, f"{tier_settings.provider} {tier_settings.model} at {tier_settings.base_url or 'default URL'} failed: {exc}")
    finally:
        await llm.aclose()
