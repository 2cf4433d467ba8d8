"""Wiring: build every adapter from settings, in one place, at run time (never at import time)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from habla.bus.base import Bus
from habla.channels.base import Channel
from habla.config import Settings
from habla.domain.digests import install_server_key
from habla.errors import ConfigurationError
from habla.llm.router import LLMRouter
from habla.storage.database import create_engine, current_revision, head_revision, is_sqlite, migrate, prepare_sqlite
from habla.storage.store import Store

if TYPE_CHECKING:
    from habla.billing import FairUse
    from habla.memory import Memory

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    bus: Bus
    llm: LLMRouter
    channels: dict[str, Channel] = field(default_factory=dict)
    memory: Memory | None = None  # session store, embeddings, recall (habla.memory)
    fair_use: FairUse | None = None  # quotas, flood budget, blocklist, Stripe (habla.billing)
    _closers: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack, repr=False)

    async def aclose(self) -> None:
        """Close every adapter, newest first; one that fails to close does not keep the others open."""
        for channel in self.channels.values():  # channels may be added after building (the console)
            self._closers.push_async_callback(_quietly, channel.aclose, f"channel {channel.name}")
        self.channels = {}
        await self._closers.aclose()


async def _quietly(close, what: str) -> None:
    try:
        await close()
    except Exception as exc:  # closing must go on for the others
        log.warning("closing %s failed: %s", what, type(exc).__name__)


async def _install_server_key(settings: Settings, store: Store) -> None:
    """The digest key, the same in every process of the deployment: the setting, or the database's."""
    if settings.server_key is not None:
        key = settings.server_key.get_secret_value().strip().encode()
    else:
        key = await store.server_key()
    install_server_key(key)


def build_bus(settings: Settings, consumer_name: str | None = None) -> Bus:
    if settings.redis_url:
        from habla.bus.redis_streams import RedisStreamsBus

        return RedisStreamsBus(settings.redis_url, settings.bus, namespace=settings.bus.namespace, consumer_name=consumer_name)
    from habla.bus.in_process import InProcessBus

    return InProcessBus(settings.bus)


async def build_services(settings: Settings, *, auto_migrate: bool | None = None) -> Services:
    """Everything a process needs. SQLite is migrated on start; Postgres needs `habla migrate` first.
    Whatever was built before a failure is closed again."""
    from habla.billing import build_fair_use
    from habla.channels.registry import build_channels
    from habla.llm.router import build_router
    from habla.memory import build_memory

    if auto_migrate is None:
        auto_migrate = is_sqlite(settings.database_url)
    if auto_migrate:
        await migrate(settings.database_url)
    else:
        await prepare_sqlite(settings.database_url)
    async with contextlib.AsyncExitStack() as building:
        store = Store(create_engine(settings.database_url))
        building.push_async_callback(_quietly, store.aclose, "store")
        revision = await current_revision(store.engine)
        if revision != head_revision():
            raise ConfigurationError(
                f"the database schema is at {revision or 'nothing'}, not {head_revision()}: run `habla migrate`"
            )
        await _install_server_key(settings, store)
        bus = build_bus(settings)
        building.push_async_callback(_quietly, bus.aclose, "bus")
        llm = build_router(settings.llm, recorder=store)
        building.push_async_callback(_quietly, llm.aclose, "llm")
        memory = build_memory(settings, store)
        building.push_async_callback(_quietly, memory.aclose, "memory")
        fair_use = build_fair_use(settings, store)
        building.push_async_callback(_quietly, fair_use.aclose, "fair use")
        channels = build_channels(settings)
        services = Services(
            settings=settings, store=store, bus=bus, llm=llm, channels=channels, memory=memory, fair_use=fair_use
        )
        services._closers = building.pop_all()
    return services
