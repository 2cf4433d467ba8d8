"""/webhooks/whatsapp through the real app (lifespan, agents, bus, store) on both deployments, the Graph API
emulator on the far side: answers, duplicates, the 24-hour window, fuzzing, logs, and two `habla serve`s."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from habla.api.app import create_app
from habla.errors import BusError, StorageError
from habla_testkit.bus import wait_until
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database, llm_settings
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
LEARNER = "16505551234"


def body(name: str, *, sent_at: float | None = None, **replace: str) -> bytes:
    """A recorded payload with its timestamps moved to ``sent_at`` (default: now) and strings replaced."""
    text = (DATA / f"{name}.json").read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    document = json.loads(text)
    for entry in document["entry"]:
        for change in entry["changes"]:
            for item in change["value"].get("messages", []) + change["value"].get("statuses", []):
                item["timestamp"] = str(int(sent_at if sent_at is not None else time.time()))
    return json.dumps(document, ensure_ascii=False).encode()


def text_body(message_id: str, text: str, sender: str = LEARNER, sent_at: float | None = None) -> bytes:
    raw = json.loads(body("text", sent_at=sent_at))
    message = raw["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": message_id, "from": sender, "text": {"body": text}})
    raw["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    return json.dumps(raw, ensure_ascii=False).encode()


def signed(raw: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"content-type": "application/json",
            "x-hub-signature-256": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}


@contextlib.asynccontextmanager
async def serving(settings):
    """The real app with its lifespan (services + agents), reached in-process over ASGI."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://habla.test") as client:
            yield app, client


@pytest.fixture
def whatsapp_settings(make_settings, graph, llm_emulator):
    def make(**overrides):
        return make_settings(
            llm=llm_settings(llm_emulator),
            whatsapp=graph.settings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN),
            **overrides,
        )
    return make


# -- handshake and refusals -----------------------------------------------------------------------------------


async def test_handshake(whatsapp_settings):
    async with serving(whatsapp_settings()) as (_, client):
        params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
        ok = await client.get("/webhooks/whatsapp", params=params)
        assert ok.status_code == 200 and ok.text == "1158201444"
        wrong = await client.get("/webhooks/whatsapp", params={**params, "hub.verify_token": "guess"})
        assert wrong.status_code == 403
        assert (await client.get("/webhooks/whatsapp")).status_code == 403


async def test_not_configured_is_a_clear_404(make_settings):
    async with serving(make_settings()) as (_, client):
        raw = text_body("wamid.X", "hola")
        for response in (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw)),
                         await client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe"})):
            assert response.status_code == 404 and "HABLA_WHATSAPP__" in response.json()["error"]


async def test_signature_and_body_refusals(whatsapp_settings, graph):
    raw = text_body("wamid.REFUSED", "hola")
    async with serving(whatsapp_settings()) as (_, client):
        missing = await client.post("/webhooks/whatsapp", content=raw, headers={"content-type": "application/json"})
        assert missing.status_code == 401
        wrong = await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw, "not-the-secret"))
        assert wrong.status_code == 403
        tampered = raw.replace(b"hola", b"HOLA")
        assert (await client.post("/webhooks/whatsapp", content=tampered, headers=signed(raw))).status_code == 403
        for bad in (b"{not json", b"[1,2,3]", b""):
            assert (await client.post("/webhooks/whatsapp", content=bad, headers=signed(bad))).status_code == 400
        await asyncio.sleep(0.3)
    assert graph.requests == []  # nothing refused reached the tutor


class _Exploding:
    """Stands in for the store and the bus: any use at all fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"status-only webhook touched {name}")


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
async def test_status_only_bodies_are_answered_without_store_or_bus(whatsapp_settings, status, caplog):
    async with serving(whatsapp_settings()) as (app, client):
        services = app.state.services
        store, bus = services.store, services.bus
        services.store, services.bus = _Exploding(), _Exploding()
        try:
            raw = body(f"status_{status}")
            response = await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
        finally:
            services.store, services.bus = store, bus
    assert response.status_code == 200
    failures = [r for r in caplog.records if r.levelno == logging.WARNING and "131047" in r.getMessage()]
    assert len(failures) == (1 if status == "failed" else 0)


async def test_store_or_bus_down_is_503_and_nothing_is_lost(whatsapp_settings, graph):
    async with serving(whatsapp_settings()) as (app, client):
        services = app.state.services
        raw = text_body("wamid.OUTAGE", "¿Hay alguien?")

        async def store_down(*args, **kwargs):
            raise StorageError("database unreachable")

        async def bus_down(*args, **kwargs):
            raise BusError("redis unreachable")

        claim, publish = services.store.claim_inbound, services.bus.publish
        # The bus is down: 503, so Meta retries; nothing was published.
        services.bus.publish = bus_down
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 503
        services.bus.publish = publish
        # The store is down: the webhook never touches it, so the message is accepted; the agent's attempts
        # fail and are retried by the bus until the store is back.
        services.store.claim_inbound = store_down
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await asyncio.sleep(0.1)  # inside the bus's retries (5 attempts, backoff from 20 ms)
        assert graph.texts() == []
        services.store.claim_inbound = claim
        await wait_until(lambda: graph.texts(), what="the reply after the outage")
        # Meta's retry of the body refused earlier is now a duplicate: no second reply.
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await asyncio.sleep(0.5)
    assert len(graph.texts()) == 1 and "¿Hay alguien?" in graph.texts()[0]


# -- end to end -----------------------------------------------------------------------------------------------


async def test_a_text_gets_a_read_receipt_then_one_reply(whatsapp_settings, graph, llm_emulator):
    raw = text_body("wamid.E2E-1", "Hola, me llamo Ana")
    async with serving(whatsapp_settings()) as (_, client):
        response = await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
        assert response.status_code == 200
        await wait_until(lambda: graph.texts(), what="the reply")
        await asyncio.sleep(0.5)  # room for a wrong second reply to show up
    [reply] = graph.texts(LEARNER)
    assert "Hola, me llamo Ana" in reply
    [receipt] = graph.receipts
    assert receipt["message_id"] == "wamid.E2E-1" and receipt["typing_indicator"] == {"type": "text"}
    kinds = ["receipt" if r["json"].get("status") == "read" else "text" for r in graph.requests]
    assert kinds == ["receipt", "text"]  # read, typing… then the answer
    assert len(llm_emulator.requests) == 1


async def test_five_concurrent_copies_get_one_reply(whatsapp_settings, graph, llm_emulator):
    raw = text_body("wamid.DUP-1", "Buenos días")
    async with serving(whatsapp_settings()) as (_, client):
        responses = await asyncio.gather(
            *[client.post("/webhooks/whatsapp", content=raw, headers=signed(raw)) for _ in range(5)]
        )
        assert [r.status_code for r in responses] == [200] * 5
        await wait_until(lambda: graph.texts(), what="the reply")
        await asyncio.sleep(0.5)
    assert len(graph.sent) == 1 and len(graph.receipts) == 1 and len(llm_emulator.requests) == 1


async def test_a_long_reply_is_chunked_in_order(whatsapp_settings, graph, llm_emulator):
    # Long words: the emulator cuts replies at max_tokens (counted in words), the splitter counts characters.
    sentences = [f"Oración {n} extraordinariamente interesantísima e incomprensiblemente larguísima." for n in range(80)]
    llm_emulator.reply_fn = lambda messages: " ".join(sentences)
    raw = text_body("wamid.LONG-1", "Cuéntame mucho")
    async with serving(whatsapp_settings()) as (_, client):
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: graph.texts() and "79" in graph.texts()[-1].split(), what="every chunk")
    chunks = graph.texts()
    assert len(chunks) >= 4 and all(len(chunk) <= 1600 for chunk in chunks)
    numbers = [int(word) for chunk in chunks for word in chunk.split() if word.isdigit()]
    assert numbers == list(range(80))


async def test_a_batch_of_entries_is_answered_per_learner_in_order(whatsapp_settings, graph):
    raw = body("batch")
    async with serving(whatsapp_settings()) as (_, client):
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: len(graph.texts()) == 4, what="four replies")
    first, second = graph.texts("16505550001"), graph.texts("16505550002")
    assert "Primero" in first[0] and "Segundo" in first[1]
    # the voice note goes to the voice agent's own queue (its media is not on the emulator: a clear reply), so
    # its answer may arrive before or after the text's
    assert any("Hola" in text for text in second) and any("voice note" in text for text in second)


async def test_a_learner_silent_for_over_a_day_gets_the_template(whatsapp_settings, graph):
    raw = text_body("wamid.OLD-1", "¿Sigues ahí?", sent_at=time.time() - 25 * 3600)  # Meta retried for a day
    async with serving(whatsapp_settings()) as (_, client):
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: graph.sent, what="the template")
        await asyncio.sleep(0.5)
    assert [b["type"] for b in graph.sent] == ["template"] and graph.texts() == []


async def test_info_logs_carry_no_phone_number_and_no_message_text(whatsapp_settings, graph, caplog):
    secret_text = "MiSecretoPersonal"
    raw = text_body("wamid.LOG-1", f"Hola {secret_text}")
    caplog.set_level(logging.DEBUG)
    async with serving(whatsapp_settings()) as (_, client):
        await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
        failed = body("status_failed")
        await client.post("/webhooks/whatsapp", content=failed, headers=signed(failed))
        await wait_until(lambda: graph.texts(), what="the reply")
    visible = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any(r.name.startswith("habla") for r in visible)  # the check below looked at something
    for record in visible:
        message = record.getMessage()
        assert LEARNER not in message and secret_text not in message, (record.name, message)


# -- fuzzing ----------------------------------------------------------------------------------------------------

_RECORDED = sorted(p.stem for p in DATA.glob("*.json"))


def _mutations() -> st.SearchStrategy[bytes]:
    recorded = st.sampled_from(_RECORDED).map(lambda name: (DATA / f"{name}.json").read_bytes())

    def mutate(raw_and_cut: tuple[bytes, int, bytes]) -> bytes:
        raw, cut, insert = raw_and_cut
        cut %= max(len(raw), 1)
        return raw[:cut] + insert + raw[cut + len(insert):]

    json_like = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["object", "entry", "changes", "value", "messages", "statuses", "from", "id", "type",
                             "text", "body", "timestamp", "group_id", "errors"]), inner, max_size=4),
        max_leaves=25,
    ).map(lambda value: json.dumps(value).encode())
    # Well-formed envelopes around hostile fields: the shapes that reach ingest, the store and the bus.
    odd_text = st.text(st.characters(codec=None, categories=None), max_size=12) | st.sampled_from(
        ["\x00", "\ud800", "a\udfffb", "x" * 300, "", " ", "١٢٣", "wamid.\n"])
    field = odd_text | st.integers() | st.floats() | st.none() | st.booleans() | st.lists(st.integers(), max_size=2)
    message = st.fixed_dictionaries(
        {"from": field, "id": field, "type": st.sampled_from(["text", "audio", "interactive", "location", "x"]) | field},
        optional={"timestamp": field, "text": st.fixed_dictionaries({"body": field}), "group_id": field,
                  "audio": st.fixed_dictionaries({"id": field, "mime_type": field, "voice": field}),
                  "interactive": st.fixed_dictionaries({"type": field, "button_reply": st.fixed_dictionaries(
                      {"id": field, "title": field})}),
                  "location": st.fixed_dictionaries({"latitude": field, "longitude": field, "name": field}),
                  "context": st.fixed_dictionaries({"id": field}), "errors": st.lists(
                      st.fixed_dictionaries({"code": field}), max_size=2)},
    )
    structured = st.lists(message, min_size=1, max_size=3).map(lambda messages: json.dumps(
        {"object": "whatsapp_business_account",
         "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"messages": messages}}]}]}).encode())
    return st.one_of(
        structured,
        recorded,
        st.tuples(recorded, st.integers(min_value=0), st.binary(min_size=1, max_size=8)).map(mutate),
        json_like,
        st.binary(max_size=200),
    )


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_mutations(), signature=st.sampled_from(["valid", "missing", "wrong", "garbage"]),
       content_type=st.sampled_from(["application/json", "text/plain", "", "application/x-www-form-urlencoded"]),
       garbage=st.text(max_size=40))
def test_fuzzed_bodies_and_headers_never_get_a_5xx(fuzz_client, raw, signature, content_type, garbage):
    client = fuzz_client
    headers = {"content-type": content_type} if content_type else {}
    if signature == "valid":
        headers.update({"x-hub-signature-256": signed(raw)["x-hub-signature-256"]})
    elif signature == "wrong":
        headers["x-hub-signature-256"] = signed(raw, "other")["x-hub-signature-256"]
    elif signature == "garbage":
        headers["x-hub-signature-256"] = garbage.encode("ascii", "ignore").decode() or "x"
    response = client.post("/webhooks/whatsapp", content=raw, headers=headers)
    assert response.status_code in {200, 400, 401, 403}, response.text
    expected = {"missing": 401, "wrong": 403}.get(signature)
    if expected:
        assert response.status_code == expected
    if signature == "valid" and response.status_code == 400:
        with contextlib.suppress(ValueError):
            assert not isinstance(json.loads(raw), dict)  # only a non-object body is refused


@pytest.fixture
def fuzz_client(whatsapp_settings):
    """A synchronous client on the real app (TestClient runs the lifespan), shared by every example."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(whatsapp_settings()), raise_server_exceptions=False) as client:
        yield client
        assert client.get("/healthz").status_code == 200  # still up after everything it was sent


# -- two real processes ---------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_the_same_body_at_two_serve_processes_at_once_is_answered_once(tmp_path, graph, llm_emulator, namespace):
    url, name = await create_pg_database(PG_URL)
    ports = [free_port(), free_port()]
    env = habla_env(
        HABLA_DATABASE_URL=url, HABLA_REDIS_URL=REDIS_URL, HABLA_BUS__NAMESPACE=namespace,
        HABLA_BUS__LEASE_MS="1500", HABLA_BUS__BLOCK_MS="200",
        HABLA_WHATSAPP__APP_SECRET=APP_SECRET, HABLA_WHATSAPP__ACCESS_TOKEN=graph.access_token,
        HABLA_WHATSAPP__PHONE_NUMBER_ID=graph.phone_number_id, HABLA_WHATSAPP__API_BASE=graph.api_base,
        HABLA_LLM__FAST__BASE_URL=llm_emulator.openai_base_url, HABLA_LLM__FAST__MODEL="emulated-fast",
        HABLA_LLM__FAST__API_KEY="test-key",
    )
    processes = []
    messages = 6
    try:
        assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
        processes = [habla("serve", "--port", str(port), env=env, cwd=tmp_path) for port in ports]
        for port, process in zip(ports, processes):
            wait_healthy(port, process)
        async with httpx.AsyncClient(timeout=30) as client:
            for n in range(messages):
                raw = text_body(f"wamid.TWO-PROC-{n}", f"mensaje {n}", sender=f"1650555{n:04d}")
                responses = await asyncio.gather(*[
                    client.post(f"http://127.0.0.1:{port}/webhooks/whatsapp", content=raw, headers=signed(raw))
                    for port in ports
                ])
                assert [r.status_code for r in responses] == [200, 200]
        await wait_until(lambda: len(graph.sent) >= messages, timeout=60, what="every reply")
        await asyncio.sleep(2 * 1.5)  # a lease period more, for a wrong second reply to show up
        assert sorted(b["to"] for b in graph.sent) == [f"1650555{n:04d}" for n in range(messages)]
        assert len(graph.receipts) == messages and len(llm_emulator.requests) == messages
    finally:
        stop(*processes)
        await drop_pg_database(PG_URL, name)
