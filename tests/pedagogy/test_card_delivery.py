"""Flashcards through the real sender agent and bus: after the text, as images on every channel, each once.

WhatsApp: uploaded to the Graph emulator, then sent by media id. Twilio: published in the media outbox and
sent as a MediaUrl. Console: saved as a PNG whose path is printed. A card the font cannot draw goes out as
text. A redelivered reply (a worker that crashed after sending some cards) sends only what is missing."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from habla.channels.console import ConsoleChannel
from habla.channels.whatsapp.channel import WhatsAppChannel
from habla.domain.messages import Flashcard, Outbound
from habla.runtime import running
from habla_testkit.bus import wait_until
from habla_testkit.emulators.graph import GraphEmulator

LEARNER = "16505551234"
CARDS = [Flashcard(word="el niño", translation="the child", example="¿Dónde está el niño?"),
         Flashcard(word="la mañana", translation="the morning", example="¡Buenos días! Es la mañana.")]


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


@contextlib.asynccontextmanager
async def sender(settings, channels=None):
    async with running(settings, ["sender"], channels=channels) as runtime:
        yield runtime.services


async def publish(services, channel: str, cards: list[Flashcard], outbound_id: str = "reply-1", address: str = LEARNER,
                  chunks: tuple[str, ...] = ("Tus palabras (2):",)):
    learner = await services.store.learner(channel, address, None)
    await services.store.touch_learner(learner.id, time.time() - 60)  # inside WhatsApp's 24-hour window
    outbound = Outbound(outbound_id=outbound_id, channel=channel, address=address, chunks=list(chunks),
                        cards=cards, in_reply_to="wamid.IN")
    await services.bus.publish(f"outbound.{channel}" if channel != "console" else _console_topic(address),
                               outbound.learner_key, outbound.model_dump(mode="json"))
    return outbound


def _console_topic(address: str) -> str:
    from habla.agents.outbox import outbound_topic

    return outbound_topic("console", address)


async def test_whatsapp_uploads_each_card_then_sends_it_by_media_id_after_the_text(make_settings):
    with GraphEmulator() as graph:
        settings = make_settings(whatsapp=graph.settings())
        async with sender(settings) as services:
            await publish(services, "whatsapp", CARDS)
            await wait_until(lambda: len(graph.sent) == 3, what="the text and two cards")
    assert [body["type"] for body in graph.sent] == ["text", "image", "image"]
    assert graph.texts() == ["Tus palabras (2):"]
    for body, card in zip(graph.sent[1:], CARDS):
        data, mime = graph.uploads[body["image"]["id"]]  # the id Graph answered the upload with
        assert mime == "image/png" and png_size(data) == (1080, 1350)
        assert body["image"]["caption"] == f"*{card.word}* — {card.translation}"
    assert [body["biz_opaque_callback_data"] for body in graph.sent] == ["reply-1:0", "reply-1:1", "reply-1:2"]


async def test_a_redelivered_reply_sends_only_the_cards_not_yet_recorded(make_settings):
    """A worker crashed after the text and the first card: the takeover sends the second card, once."""
    with GraphEmulator() as graph:
        settings = make_settings(whatsapp=graph.settings())
        async with sender(settings) as services:
            for index in (0, 1):  # what the crashed worker had sent and recorded
                await services.store.record_delivery("reply-1", index, f"whatsapp:{LEARNER}")
            await publish(services, "whatsapp", CARDS)
            await wait_until(lambda: len(graph.sent) == 1, what="the missing card")
            await publish(services, "whatsapp", CARDS)  # and a plain duplicate of the whole reply: nothing
            await publish(services, "whatsapp", [], outbound_id="reply-2")  # (a marker behind it)
            await wait_until(lambda: len(graph.sent) == 2, what="the marker reply")
    assert [body["type"] for body in graph.sent] == ["image", "text"]
    assert graph.sent[0]["biz_opaque_callback_data"] == "reply-1:2"
    assert len(graph.uploads) == 1


async def test_a_failed_image_send_is_retried_and_delivered_once(make_settings):
    with GraphEmulator() as graph:
        settings = make_settings(whatsapp=graph.settings())
        async with sender(settings) as services:
            await publish(services, "whatsapp", CARDS[:1])
            await wait_until(lambda: len(graph.sent) == 2, what="text and card")
            graph.fail_next("500")  # Graph fails the next send: the bus retries the reply
            await publish(services, "whatsapp", CARDS[1:], outbound_id="reply-2", chunks=())
            await wait_until(lambda: len(graph.sent) == 3, what="the second card, after the retry")
    assert graph.attempts() == 4  # one refused, three accepted
    assert [body["type"] for body in graph.delivered] == ["text", "image", "image"]
    assert [body["biz_opaque_callback_data"] for body in graph.sent] == ["reply-1:0", "reply-1:1", "reply-2:0"]


async def test_a_card_the_font_cannot_draw_goes_out_as_text(make_settings):
    with GraphEmulator() as graph:
        settings = make_settings(whatsapp=graph.settings())
        async with sender(settings) as services:
            await publish(services, "whatsapp", [Flashcard(word="猫", translation="cat", example="猫がいます。")])
            await wait_until(lambda: len(graph.sent) == 2, what="text and the card as text")
    assert graph.texts() == ["Tus palabras (2):", "*猫* — cat\n_猫がいます。_"]
    assert not graph.uploads


async def test_twilio_publishes_each_card_for_twilio_to_fetch(make_settings, tmp_path):
    from habla.channels.twilio.outbox import MediaOutbox
    from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator

    public_url = "https://habla.example"
    with TwilioEmulator() as twilio:
        settings = make_settings(
            public_url=public_url, media_dir=str(tmp_path / "media"),
            twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": FROM, "api_base": twilio.url},
        )
        async with sender(settings) as services:
            await publish(services, "twilio", CARDS, address="+" + LEARNER)
            sent = await twilio.wait_sent(3, timeout=30)
    assert sent[0]["Body"] == "Tus palabras (2):"
    outbox = MediaOutbox(settings.media_dir)
    for message, card in zip(sent[1:], CARDS):
        assert message["MediaUrl"].startswith(public_url + "/media/twilio/")
        path, mime = outbox.get(message["MediaUrl"].rsplit("/", 1)[1])
        assert mime == "image/png" and png_size(Path(path).read_bytes()) == (1080, 1350)
        assert message["Body"] == f"*{card.word}* — {card.translation}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_console_saves_each_card_and_prints_where_it_is(make_settings, tmp_path):
    """As `habla chat` runs it: the terminal's own subscription hands its outbound topic to the sender."""
    from functools import partial

    from habla.agents import sender as sender_agent
    from habla.agents.outbox import outbound_topic
    from habla.bus.base import Subscription

    printed: list[str] = []
    settings = make_settings(media_dir=str(tmp_path / "media"))
    console = {"console": ConsoleChannel(printed.append, media_dir=settings.media_dir)}

    def terminal(services):
        return [Subscription(outbound_topic("console", "ana"), "console", partial(sender_agent.handle, services=services))]

    async with running(settings, [], channels=console, extra=terminal) as runtime:
        await publish(runtime.services, "console", CARDS, address="ana")
        await wait_until(lambda: len(printed) == 3, what="the text and two card lines")
    assert printed[0] == "Tus palabras (2):"
    for line, card in zip(printed[1:], CARDS):
        match = re.fullmatch(r"🖼️ \[flashcard: (.+\.png)\] (.+)", line)
        assert match and match.group(2) == f"*{card.word}* — {card.translation}", line
        assert png_size(Path(match.group(1)).read_bytes()) == (1080, 1350)


async def test_cards_held_behind_the_template_go_out_when_the_learner_comes_back(make_settings):
    from habla.agents import held_replies
    from habla.domain.messages import Inbound

    with GraphEmulator() as graph:
        settings = make_settings(whatsapp=graph.settings())
        async with sender(settings) as services:
            learner = await services.store.learner("whatsapp", LEARNER, None)
            await services.store.touch_learner(learner.id, time.time() - 25 * 3600)  # the window has closed
            outbound = Outbound(outbound_id="late", channel="whatsapp", address=LEARNER, chunks=["Tus palabras:"],
                                cards=CARDS, in_reply_to="wamid.OLD")
            await services.bus.publish("outbound.whatsapp", outbound.learner_key, outbound.model_dump(mode="json"))
            await wait_until(lambda: graph.sent, what="the template")
            assert [card["word"] for card in (await _held(services, learner.id))[0]["cards"]] == ["el niño", "la mañana"]
            back = Inbound(channel="whatsapp", address=LEARNER, message_id="wamid.BACK", text="¡Hola!")
            assert await held_replies.release(services, back, learner.id, await _held(services, learner.id)) == 1
            await wait_until(lambda: len(graph.sent) == 4, what="the held text and its two cards")
    assert [body["type"] for body in graph.sent] == ["template", "text", "image", "image"]


async def _held(services, learner_id: str) -> list:
    from habla.agents.held_replies import PROFILE_KEY

    for _ in range(100):
        learner = await services.store.find_learner("whatsapp", LEARNER)
        held = (learner.profile.model_extra or {}).get(PROFILE_KEY) or []
        if held:
            return held
        await asyncio.sleep(0.05)
    return []
