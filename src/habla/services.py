"""Wiring: build every adapter from settings, in one place, at run time (never at import time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from habla.bus.base import Bus
from habla.channels.base import Channel
from habla.config import Settings
from habla.llm.router import LLMRouter
from habla.storage.database import create_engine, current_revision, head_revision, is_sqlite, migrate
from habla.storage.repository import Store
from habla.errors import ConfigurationError

if TYPE_CHECKING:
    from habla.memory import Memory

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    bus: Bus
    llm: LLMRouter
    channels: dict[str, Channel] = field(default_factory=dict)
    memory: Memory | None = None  # session store, memory rows, embeddings, recall (habla.memory)

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
        if self.memory is not None:
            await self.memory.aclose()
        await self.bus.aclose()
        await self.llm.aclose()
        await self.store.aclose()


def build_bus(settings: Settings, consumer_name: str | None = None) -> Bus:
    if settings.redis_url:
        from habla.bus.redis_streams import RedisStreamsBus

        return RedisStreamsBus(settings.redis_url, settings.bus, namespace=settings.bus.namespace, consumer_name=consumer_name)
    from habla.bus.memory import MemoryBus

    return MemoryBus(settings.bus)


async def build_services(settings: Settings, *, auto_migrate: bool | None = None) -> Services:
    """Everything a process needs. SQLite is migrated on start; Postgres needs `habla migrate` first."""
    from habla.channels.registry import build_channels
    from habla.llm.router import build_router
    from habla.memory import build_memory

    if auto_migrate is None:
        auto_migrate = is_sqlite(settings.database_url)
    if auto_migrate:
        await migrate(settings.database_url)
    store = Store(create_engine(settings.database_url))
    revision = await current_revision(store.engine)
    if revision != head_revision():
        await store.aclose()
        raise ConfigurationError(
            f"the database schema is at {revision or 'nothing'}, not {head_revision()}: run `habla migrate`"
        )
    return Services(
        settings=settings,
        store=store,
        bus=build_bus(settings),
        llm=build_router(settings.llm, recorder=store),
        channels=build_channels(settings),
        memory=build_memory(settings, store.engine),
    )
