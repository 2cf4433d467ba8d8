"""The real entry points: `habla chat`, `habla doctor`, `habla migrate`, `habla serve` + `habla worker`."""

from __future__ import annotations

import httpx
import pytest

from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy


def _llm_env(emulator) -> dict[str, str]:
    return {
        "HABLA_LLM__FAST__PROVIDER": "openai",
        "HABLA_LLM__FAST__BASE_URL": emulator.openai_base_url,
        "HABLA_LLM__FAST__MODEL": "emulated-fast",
        "HABLA_LLM__FAST__API_KEY": "test-key",
    }


def test_chat_answers_piped_lines_and_exits_at_end_of_input(tmp_path, llm_emulator):
    env = habla_env(**_llm_env(llm_emulator))
    result = run_habla("chat", "--name", "ana", env=env, cwd=tmp_path, input="Hola, soy Ana\nYo tener veinte años\n".encode())
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines == [
        "¡Muy bien! Has dicho: «Hola, soy Ana». ¿Y tú qué más cuentas?",
        "¡Muy bien! Has dicho: «Yo tener veinte años». ¿Y tú qué más cuentas?",
    ]
    assert (tmp_path / "habla.db").exists()  # the embedded default: a SQLite file in the working directory
    again = run_habla("chat", "--name", "ana", env=env, cwd=tmp_path, input=b"Otra vez\n")
    history = [m["content"] for m in llm_emulator.requests[-1]["json"]["messages"]]
    assert again.returncode == 0 and history[1] == "Hola, soy Ana"  # remembered across runs


def test_chat_without_llm_says_so_and_survives_invalid_utf8(tmp_path):
    result = run_habla("chat", env=habla_env(), cwd=tmp_path, input=b"Hola \xff\xfe\n")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "no language model yet" in out and "habla model pull" in out and "HABLA_LLM__FAST__" in out
    # and the operator at the terminal is told the two ways out before typing anything
    assert "run `habla model pull`" in result.stderr.decode() and "HABLA_LLM__FAST__PROVIDER" in result.stderr.decode()


def test_doctor_reports_what_to_set(tmp_path, llm_emulator):
    bare = run_habla("doctor", env=habla_env(), cwd=tmp_path)
    assert bare.returncode == 1 and "HABLA_LLM__FAST__MODEL" in bare.stdout.decode()
    configured = run_habla("doctor", env=habla_env(**_llm_env(llm_emulator), HABLA_REDIS_URL=REDIS_URL), cwd=tmp_path)
    out = configured.stdout.decode()
    assert configured.returncode == 0, out
    assert "[ok  ] llm.fast" in out and "Redis" in out and "on start" in out


async def test_production_serve_two_workers_and_chat(tmp_path, llm_emulator, namespace):
    url, name = await create_pg_database(PG_URL)
    port = free_port()
    env = habla_env(
        **_llm_env(llm_emulator),
        HABLA_DATABASE_URL=url,
        HABLA_REDIS_URL=REDIS_URL,
        HABLA_BUS__NAMESPACE=namespace,
    )
    processes = []
    try:
        unmigrated = run_habla("doctor", env=env, cwd=tmp_path)
        assert "run `habla migrate`" in unmigrated.stdout.decode()
        assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
        serve = habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp_path)
        processes = [serve, habla("worker", env=env, cwd=tmp_path), habla("worker", env=env, cwd=tmp_path)]
        wait_healthy(port, serve)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert {k: health[k] for k in ("status", "bus", "database")} == {"status": "ok", "bus": "RedisStreamsBus", "database": "postgresql"}
        assert health["agents"] == {"ok": True, "agents": [], "consuming": False}  # an API-only process
        result = run_habla(
            "chat", "--name", "remote", "--agents", "none", env=env, cwd=tmp_path,
            input="Uno\nDos\nTres\n".encode(),
        )
        assert result.returncode == 0, result.stderr.decode()
        assert [line.split("«")[1].split("»")[0] for line in result.stdout.decode().splitlines()] == ["Uno", "Dos", "Tres"]
        doctor = run_habla("doctor", env=env, cwd=tmp_path).stdout.decode()
        assert "[ok  ] workers    live: conversation×2, memory×2, voice×2" in doctor, doctor  # the workers' heartbeats
    finally:
        stop(*processes)
        await drop_pg_database(PG_URL, name)
