"""`habla admin block|unblock|list`: the operator's blocklist, straight in the database.

A blocked address is dropped by the agents before any work (no reply, no model, no transcription). It is
matched in every channel's spelling (``domain.fair_use.normalise_address``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import AsyncIterator

from habla.storage.store import Store
from habla.config import Settings
from habla.domain.fair_use import normalise_address
from habla.errors import ConfigurationError, StorageError
from habla.storage.database import create_engine, current_revision, head_revision, is_sqlite, migrate


async def _store(settings: Settings) -> Store:
    engine = None
    try:
        if is_sqlite(settings.database_url):
            await migrate(settings.database_url)  # as every other command does on the embedded default
        engine = create_engine(settings.database_url)
        revision = await current_revision(engine)
    except Exception as exc:  # the driver's own error: unreachable, refused, a URL no driver speaks
        if engine is not None:
            await engine.dispose()
        raise StorageError(f"cannot use the database ({type(exc).__name__}); check HABLA_DATABASE_URL") from exc
    if revision != head_revision():
        await engine.dispose()
        raise ConfigurationError(f"the database schema is at {revision or 'nothing'}, not {head_revision()}: run `habla migrate`")
    return Store(engine)


@contextlib.asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Store]:
    """The store for one command, its engine disposed however the command ends."""
    store = await _store(settings)
    try:
        yield store
    finally:
        await store.engine.dispose()


def _address(raw: str) -> str:
    address = normalise_address(raw)
    if not address or len(address) > 128:
        raise ConfigurationError(f"{raw!r} is not an address (a phone number such as +34600000000, or a chat name)")
    return address


async def block(settings: Settings, raw: str) -> str:
    address = _address(raw)
    async with _opened(settings) as store:
        new = await store.block_address(address)
    return f"blocked {address}" if new else f"{address} was already blocked"


async def unblock(settings: Settings, raw: str) -> str:
    address = _address(raw)
    async with _opened(settings) as store:
        removed = await store.unblock_address(address)
    return f"unblocked {address}" if removed else f"{address} was not blocked"


async def listing(settings: Settings) -> list[str]:
    async with _opened(settings) as store:
        rows = await store.blocked_addresses()
    if not rows:
        return ["no blocked addresses"]
    return [f"{address}  blocked {dt.datetime.fromtimestamp(at, dt.timezone.utc):%Y-%m-%d %H:%M} UTC" for address, at in rows]
