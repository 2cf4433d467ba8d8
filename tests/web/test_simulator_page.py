"""The learner simulator page in a real Chromium, against Habla on the embedded default (SQLite, in-process
bus, every agent in one process) with the LLM emulator as the fast tier: typing, a voice note recorded from
the (fake) microphone, the tutor's voice note played, buttons tapped, an image and a list shown, two learners
side by side."""

from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from habla.channels.simulator import SimulatorChannel
from habla.config import Settings
from habla_testkit.backends import llm_settings
from tests.web.conftest import screenshot_dir
from tests.web.server import HablaServer

REPLY_TIMEOUT_MS = 30_000
VOICE_TIMEOUT_MS = 90_000  # the first note loads the speech model


@pytest.fixture(scope="module")
def habla(llm, tmp_path_factory):
    folder = tmp_path_factory.mktemp("habla")
    settings = Settings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{folder / 'habla.db'}", llm=llm_settings(llm),
        tutor={"onboarding": False}, media_dir=str(folder / "media"), embeddings={"provider": "none"},
    )
    with HablaServer(settings) as server:
        yield server


@pytest.fixture(scope="module")
def page(browser, habla):
    context = browser.new_context(viewport={"width": 1120, "height": 760})
    page = context.new_page()
    page.goto(f"{habla.url}/simulator")
    page.wait_for_selector('.phone[data-learner="ana"]')
    yield page
    context.close()


def phone(page, name: str):
    return page.locator(f'.phone[data-learner="{name}"]')


def tutor_messages(page, name: str):
    return phone(page, name).locator(".msg.tutor")


def send(page, name: str, text: str) -> None:
    box = phone(page, name)
    box.locator("input.text").fill(text)
    box.locator("button.send").click()


def test_typed_message_gets_the_tutors_reply(page):
    send(page, "ana", "Hola, me llamo Ana")
    reply = tutor_messages(page, "ana").filter(has_text="Has dicho")
    reply.first.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert "Hola, me llamo Ana" in reply.first.inner_text()
    assert phone(page, "ana").locator(".msg.learner").first.inner_text() == "Hola, me llamo Ana"


def test_voice_note_recorded_in_the_browser_is_heard(page):
    mic = phone(page, "ana").locator("button.mic")
    mic.click()
    page.wait_for_selector('.phone[data-learner="ana"] .mic.recording')
    page.wait_for_timeout(3500)  # the fake microphone says "Buenos días, ¿cómo estás?" (about 2.5 s)
    mic.click()
    phone(page, "ana").locator(".msg.learner audio").first.wait_for(timeout=REPLY_TIMEOUT_MS)
    heard = tutor_messages(page, "ana").filter(has_text="I heard")
    heard.first.wait_for(timeout=VOICE_TIMEOUT_MS)
    text = heard.first.inner_text().lower()
    assert re.search(r"buen|d[ií]as|c[oó]mo|est[aá]s", text), text
    # the transcript then goes to the tutor like typed text
    tutor_messages(page, "ana").filter(has_text="Has dicho").nth(1).wait_for(timeout=REPLY_TIMEOUT_MS)


def test_tutor_voice_note_is_playable(page):
    send(page, "ana", "How do I pronounce good morning?")
    audio = phone(page, "ana").locator(".msg.tutor audio").first
    audio.wait_for(timeout=REPLY_TIMEOUT_MS)
    duration = audio.evaluate(
        """a => new Promise((ok, fail) => {
             if (a.readyState >= 1) return ok(a.duration);
             a.addEventListener('loadedmetadata', () => ok(a.duration));
             a.addEventListener('error', () => fail(String(a.error && a.error.code)));
             a.load();
           })"""
    )
    assert 0.3 < duration < 10  # a spoken "buenos días", decodable by the browser
    assert audio.evaluate("a => a.play().then(() => true)")


def test_tapping_a_button_answers_the_question(page):
    send(page, "ana", "delete my data")
    question = tutor_messages(page, "ana").filter(has=page.locator(".choices.buttons"))
    question.first.wait_for(timeout=REPLY_TIMEOUT_MS)
    buttons = question.first.locator(".choices button")
    assert buttons.all_inner_texts() == ["Yes", "No"]
    buttons.filter(has_text="No").click()
    assert buttons.first.is_disabled()
    phone(page, "ana").locator(".msg.learner.tapped", has_text="No").wait_for(timeout=REPLY_TIMEOUT_MS)
    tutor_messages(page, "ana").filter(has_text=re.compile("nothing was deleted|cancel", re.I)).first.wait_for(
        timeout=REPLY_TIMEOUT_MS
    )


def test_two_learners_side_by_side(page):
    page.locator("#new-learner").fill("ben")
    page.locator("#add-learner button").click()
    phone(page, "ben").wait_for()
    send(page, "ben", "Soy Ben")
    tutor_messages(page, "ben").filter(has_text="Soy Ben").first.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert tutor_messages(page, "ana").filter(has_text="Soy Ben").count() == 0
    assert phone(page, "ben").locator(".msg").count() == 2


def test_images_and_lists_from_the_channel_are_shown(page, habla):
    """What the tutor's flashcards and menus will send: through the simulator channel adapter itself."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (47, 125, 91)).save(buffer, "PNG")

    async def send_as_the_sender_would():
        channel = SimulatorChannel(habla.settings.simulator.callback_url)
        try:
            await channel.send_image("ben", buffer.getvalue(), "image/png", "el gato", idempotency_key="img-1")
            await channel.send_choices("ben", "¿Qué practicamos?", ["verbos", "números", "colores", "comida", "viajes"],
                                       idempotency_key="list-1")
            await channel.send_choices("ben", "¿Qué practicamos?", ["repeat"], idempotency_key="list-1")  # a resend
        finally:
            await channel.aclose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        pool.submit(asyncio.run, send_as_the_sender_would()).result()
    image = phone(page, "ben").locator(".msg.tutor img")
    image.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert image.evaluate("img => img.complete && img.naturalWidth") == 120
    rows = phone(page, "ben").locator(".choices.list button")
    rows.first.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert rows.all_inner_texts() == ["verbos", "números", "colores", "comida", "viajes"]
    rows.filter(has_text="colores").click()
    tutor_messages(page, "ben").filter(has_text="Has dicho: «colores»").first.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert phone(page, "ben").locator(".choices button", has_text="repeat").count() == 0
    page.screenshot(path=str(screenshot_dir() / "simulator.png"))
