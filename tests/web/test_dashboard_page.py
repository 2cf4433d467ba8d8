"""The operator dashboard in a real Chromium, against Habla in its production shape (Postgres + Redis Streams)
after a scripted session through the real simulator webhook: typed messages on both tiers, a voice note,
and a reply whose far end was down until it went to dead letters. Login (a wrong password refused), the
figures and charts (checked against the session and the LLM emulator's own count), replay of the dead
letter, block/unblock, one address shown on request, and actions without a CSRF token refused."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from habla.config import Settings
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database, clear_namespace, llm_settings
from habla_testkit.audio import data_url, note, speech
from tests.web.conftest import screenshot_dir
from tests.web.server import HablaServer

TOKEN = "dashboard-test-token-7c1f"
ANA, BEA, CARLOS = "+34600000001", "+34600000002", "+34600000003"
TIMEOUT_S = 60


def run_async(coroutine):
    """Playwright's sync API owns this thread's event loop, so set-up coroutines run on a thread of their own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_until(condition, timeout_s: float = TIMEOUT_S, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def receiver():
    from habla_testkit.emulators.receiver import Receiver

    with Receiver() as far_end:
        yield far_end


@pytest.fixture(scope="module")
def habla(llm, receiver, tmp_path_factory):
    from habla.storage.database import migrate

    url, name = run_async(create_pg_database(PG_URL))
    namespace = f"habla-test-web-{name[-8:]}"
    run_async(migrate(url))
    settings = Settings(
        _env_file=None, database_url=url, redis_url=REDIS_URL, llm=llm_settings(llm, smart=True),
        tutor={"onboarding": False}, media_dir=str(tmp_path_factory.mktemp("media")), embeddings={"provider": "none"},
        simulator={"callback_url": receiver.callback_url, "page": False}, admin={"token": TOKEN},
        bus={"namespace": namespace, "lease_ms": 1500, "block_ms": 200, "retry_backoff_ms": 20, "max_deliveries": 2},
    )
    try:
        with HablaServer(settings) as server:
            yield server
    finally:
        run_async(drop_pg_database(PG_URL, name))
        run_async(clear_namespace(REDIS_URL, namespace))


def post(habla, body: dict) -> None:
    response = httpx.post(f"{habla.url}/webhooks/simulator", json=body, timeout=10)
    assert response.status_code == 200, response.text


def replies_to(receiver, address: str) -> list[str]:
    return [b.get("text", "") for b in receiver.delivered if b["to"] == address and "text" in b]


@pytest.fixture(scope="module")
def session(habla, receiver, llm):
    """Six learner messages, answered through every agent; the last one's reply ends in dead letters."""
    for i, text in enumerate(["Hola", "Me llamo Ana", "Vivo en Madrid"]):
        post(habla, {"from": ANA, "id": f"ana-{i}", "text": text})
    post(habla, {"from": BEA, "id": "bea-0", "text": "Can you explain the difference between ser and estar?"})
    post(habla, {"from": BEA, "id": "bea-voice", "media_url": data_url(note(speech("Buenos días, ¿cómo estás?", "es"))),
                 "mime": "audio/ogg"})
    wait_until(lambda: len(replies_to(receiver, ANA)) >= 3 and len(replies_to(receiver, BEA)) >= 3, what="replies")
    receiver.refuse_with = 503  # the far end is down: Carlos's reply is retried, then dead-lettered
    post(habla, {"from": CARLOS, "id": "carlos-0", "text": "Buenas tardes"})
    wait_until(lambda: 'habla_dead_letters 1.0' in httpx.get(f"{habla.url}/metrics").text, what="a dead letter")
    receiver.refuse_with = None
    return {"turns": 6, "replies_timed": 5}


@pytest.fixture(scope="module")
def page(browser, habla, session):
    context = browser.new_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_wrong_password_is_refused_and_the_right_one_signs_in(page, habla):
    page.goto(f"{habla.url}/admin")
    assert page.url.endswith("/admin/login")
    page.fill("input[name=password]", "not-the-token")
    with page.expect_response(lambda r: r.url.endswith("/admin/login") and r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 401
    assert "Wrong password" in page.locator(".error").inner_text()
    page.fill("input[name=password]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#now")
    cookie = next(c for c in page.context.cookies() if c["name"] == "habla_admin")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"


def test_figures_and_charts_show_the_scripted_session(page, habla, session, llm):
    page.goto(f"{habla.url}/admin")
    figure = lambda name: page.locator(f"#{name}").inner_text()  # noqa: E731
    assert figure("active-today") == "3" and figure("active-week") == "3"
    assert figure("messages-24h") == str(session["turns"])
    assert figure("in-flight") == "1"  # Carlos's reply never reached its channel
    assert figure("dead-letters") == "1"
    bars = page.locator("#chart-messages svg rect.bar")
    assert sum(float(v) for v in bars.evaluate_all("bars => bars.map(b => b.dataset.value)")) == session["turns"]
    assert page.locator("#chart-speed svg circle.point").count() >= 3  # reply, llm.fast, llm.smart, voice
    speed = {row.get_attribute("data-stage"): row.locator("td").all_inner_texts()
             for row in page.locator("#speed tr[data-stage]").all()}
    assert speed["reply"][1] == str(session["replies_timed"]) and speed["voice"][1] == "1"
    assert speed["llm.smart"][1] == "1" and re.match(r"[\d,]+ ms", speed["reply"][3])
    by_model = {}
    for request in llm.requests:
        model = (request["json"] or {}).get("model")
        by_model[model] = by_model.get(model, 0) + 1
    calls = {row.get_attribute("data-tier"): int(row.locator("td").nth(1).inner_text())
             for row in page.locator("#cost tr[data-tier]").all()}
    assert calls == {"fast": by_model["emulated-fast"], "smart": by_model["emulated-smart"]}
    assert page.locator("#fast-share").inner_text() == "83 %"  # 5 of 6 model-written turns
    html = page.content()
    assert ANA not in html and BEA not in html and "34600000001" not in html  # hashed ids only
    assert page.locator("#learners tr[data-learner]").count() == 3
    page.screenshot(path=str(screenshot_dir() / "dashboard.png"), full_page=True)


def test_replaying_the_dead_letter_delivers_the_reply(page, habla, receiver):
    page.goto(f"{habla.url}/admin")
    page.locator("#dead tr[data-dead] button", has_text="Replay").click()
    assert "Dead letter replayed" in page.locator(".notice").inner_text()
    wait_until(lambda: replies_to(receiver, CARLOS), what="Carlos's reply")
    assert len(replies_to(receiver, CARLOS)) == 1
    page.goto(f"{habla.url}/admin")
    assert page.locator("#dead-letters").inner_text() == "0"
    wait_until(lambda: page.goto(f"{habla.url}/admin") and page.locator("#in-flight").inner_text() == "0", what="in flight 0")


def test_actions_without_a_csrf_token_are_refused(page, habla):
    learner = page.locator("#learners tr[data-learner]").first.locator("input[name=learner_id]").first.get_attribute("value")
    for form in ({"learner_id": learner}, {"learner_id": learner, "csrf": "forged"}):
        answer = page.request.post(f"{habla.url}/admin/learners/block", form=form, max_redirects=0)
        assert answer.status == 403
    answer = page.request.post(f"{habla.url}/admin/dead-letters/replay", form={"topic": "inbound", "id": "1"}, max_redirects=0)
    assert answer.status == 403
    page.goto(f"{habla.url}/admin")
    assert page.locator("#learners tr.blocked").count() == 0


def test_block_and_unblock_a_learner(page, habla, receiver):
    page.goto(f"{habla.url}/admin")
    row = page.locator("#learners tr[data-learner]").filter(has=page.locator("td", has_text=re.compile(r"^3$"))).first
    hashed_id = row.get_attribute("data-learner")
    row.locator("button", has_text="Block").click()
    assert f"Learner {hashed_id} blocked" in page.locator(".notice").inner_text()
    assert page.locator(f'#learners tr[data-learner="{hashed_id}"].blocked').count() == 1
    before = len(replies_to(receiver, ANA))
    post(habla, {"from": ANA, "id": "ana-blocked", "text": "¿Hola?"})
    post(habla, {"from": BEA, "id": "bea-after", "text": "Sigo aquí"})  # same shard order is not guaranteed: wait on Bea
    wait_until(lambda: any("Sigo aquí" in t for t in replies_to(receiver, BEA)), what="Bea's reply")
    page.locator(f'#learners tr[data-learner="{hashed_id}"] button', has_text="Unblock").click()
    post(habla, {"from": ANA, "id": "ana-unblocked", "text": "Ya estoy de vuelta"})
    wait_until(lambda: any("Ya estoy de vuelta" in t for t in replies_to(receiver, ANA)), what="Ana's reply after unblock")
    assert not any("¿Hola?" in t for t in replies_to(receiver, ANA))
    assert len(replies_to(receiver, ANA)) == before + 1


def test_an_address_is_shown_only_on_request(page, habla):
    page.goto(f"{habla.url}/admin")
    row = page.locator("#learners tr[data-learner]").filter(has=page.locator("td", has_text=re.compile(r"^[45]$"))).first
    row.locator("button", has_text="Show address").click()
    assert page.locator(".address").inner_text() == ANA
