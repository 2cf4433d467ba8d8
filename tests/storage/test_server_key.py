"""Hashed learner ids and stored dedupe keys are HMACs with a server key every process shares (issue 9, item 9).

A bare SHA-256 of ``channel:phone`` is reversed by trying every number of a country's plan; with the key
out of reach, trying them finds nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import subprocess
import sys

import pytest
from sqlalchemy import select

from habla.domain import digests
from habla.domain.messages import hashed
from habla.services import build_services
from habla.storage.models import InboundSeenRow
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings

PHONE = "+34600123456"
KEY_A = "a" * 40
KEY_B = "b" * 40


@pytest.fixture(autouse=True)
def _restore_key():
    saved = digests._ServerKey.value
    yield
    digests._ServerKey.value = saved


def _plain(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _brute_force(found: set[str], channel: str) -> list[str]:
    """What an attacker with the log and no key tries: every number around the learner's, plain SHA-256."""
    candidates = [f"+3460012{n:04d}" for n in range(10_000)]
    return [number for number in candidates
            if _plain(f"{channel}:{number}")[:12] in found or _plain(f"{channel}:{number}")[:32] in found]


def test_the_digest_depends_on_the_key_and_is_not_a_plain_hash():
    digests.install_server_key(KEY_A.encode())
    with_a = hashed(f"whatsapp:{PHONE}"), digests.digest(f"whatsapp:{PHONE}")
    digests.install_server_key(KEY_B.encode())
    with_b = hashed(f"whatsapp:{PHONE}"), digests.digest(f"whatsapp:{PHONE}")
    assert with_a != with_b
    assert with_a[0] != _plain(f"whatsapp:{PHONE}")[:12] and with_a[1] != _plain(f"whatsapp:{PHONE}")[:32]
    assert _brute_force(set(with_a) | set(with_b), "whatsapp") == []
    with pytest.raises(ValueError):
        digests.install_server_key(b"short")


async def test_logs_and_claims_cannot_be_brute_forced_back_to_the_number(make_settings, llm_emulator, caplog):
    caplog.set_level(logging.INFO)
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), [PHONE]) as chat:
        await chat.say(PHONE, "hola", "wamid.PLAIN-ID-1")
        await chat.say(PHONE, "hola", "wamid.PLAIN-ID-1")  # the duplicate is logged with the learner too
        await chat.wait_replies(PHONE, 1)
        async with chat.services.store.reading() as session:
            claims = list((await session.execute(select(InboundSeenRow))).scalars())
    logged = {match for r in caplog.records if r.levelno >= logging.INFO
              for match in re.findall(r"learner=([0-9a-f]{12})", r.getMessage())}
    assert logged, "no learner was logged"
    assert _brute_force(logged, "console") == []
    stored = {claim.message_id for claim in claims}
    assert "wamid.PLAIN-ID-1" not in stored
    assert _plain("console:wamid.PLAIN-ID-1")[:32] not in stored and _plain("wamid.PLAIN-ID-1")[:32] not in stored


async def test_every_process_on_one_database_uses_the_same_key(make_settings, tmp_path):
    settings = make_settings()
    # Two processes starting at once on a fresh database: one key is made, both read it.
    first, second = await asyncio.gather(
        build_services(settings, auto_migrate=False), build_services(settings, auto_migrate=False)
    )
    try:
        assert await first.store.server_key() == await second.store.server_key()
        here = hashed(f"whatsapp:{PHONE}")
    finally:
        await first.aclose()
        await second.aclose()
    script = (
        "import asyncio, sys\n"
        "from habla.config import Settings\n"
        "from habla.services import build_services\n"
        "from habla.domain.messages import hashed\n"
        "async def main():\n"
        f"    services = await build_services(Settings(_env_file=None, database_url={settings.database_url!r}))\n"
        f"    print(hashed({'whatsapp:' + PHONE!r}))\n"
        "    await services.aclose()\n"
        "asyncio.run(main())\n"
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip() == here


async def test_the_setting_wins_over_the_stored_key(make_settings):
    stored = await build_services(make_settings())
    try:
        from_database = hashed(f"whatsapp:{PHONE}")
    finally:
        await stored.aclose()
    configured = await build_services(make_settings(server_key=KEY_A))
    try:
        assert hashed(f"whatsapp:{PHONE}") != from_database
        digests.install_server_key(KEY_A.encode())
        expected = hashed(f"whatsapp:{PHONE}")
    finally:
        await configured.aclose()
    assert from_database != expected


def test_a_short_server_key_is_refused():
    from habla.config import Settings
    from habla.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="HABLA_SERVER_KEY"):
        Settings(_env_file=None, server_key="too-short")
    assert Settings(_env_file=None, server_key="  ").server_key is None  # blank: not set
