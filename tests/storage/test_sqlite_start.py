"""Processes starting at once on a new SQLite file all start (the CI failure of stop 16: "database is locked").

Switching a file to WAL takes an exclusive lock without SQLite's busy handler, so a second opener that
tried it while the first held any lock failed at once. The switch is now retried before start and tolerated
on each connection.
"""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import text

from habla.storage.database import create_engine, prepare_sqlite


def _mode(path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


async def test_the_switch_to_wal_waits_for_a_reader_of_the_new_file(tmp_path):
    path = tmp_path / "fresh.db"
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("CREATE TABLE t (x INTEGER)")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # a shared lock: the switch cannot take its exclusive one

    async def release_later() -> None:
        await asyncio.sleep(0.3)
        reader.execute("COMMIT")

    await asyncio.gather(prepare_sqlite(f"sqlite:///{path}"), release_later())
    reader.close()
    assert _mode(path) == "wal"


async def test_many_engines_opening_a_new_file_at_once_all_work(tmp_path):
    async def one(url: str, value: int) -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
                await connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
        finally:
            await engine.dispose()

    for round_ in range(20):
        path = tmp_path / f"fresh-{round_}.db"
        await asyncio.gather(*(one(f"sqlite:///{path}", n) for n in range(6)))
        with sqlite3.connect(path) as connection:
            assert connection.execute("SELECT count(*) FROM t").fetchone()[0] == 6
        assert _mode(path) == "wal"


async def test_postgres_and_memory_urls_need_no_preparing():
    await prepare_sqlite("postgresql://nobody@127.0.0.1:1/none")  # never connects
    await prepare_sqlite("sqlite://")
    await prepare_sqlite("sqlite:///:memory:")
