"""A blocked or over-quota learner costs nothing: no model call, no transcription (the real speech model's
``transcribe`` is counted as it runs), and a blocked learner gets no answer at all."""

from __future__ import annotations

import asyncio

import pytest

from habla.domain.fair_use import normalise_address
from habla_testkit.conversation import Conversation
from habla_testkit.audio import SENTENCES, note, speech
from tests.voice.conftest import voice_pipeline  # noqa: F401 - the session-wide speech model
from habla_testkit.voice_chat import VoiceChat
from tests.voice.test_voice_agent import tutor_requests, unchanged_repair

PHONE = "+34600000002"


@pytest.fixture
def counted_transcriptions(voice_pipeline, monkeypatch):
    """How many times the speech model ran: the real ``Transcriber.transcribe``, counted on the way through."""
    calls = []
    real = type(voice_pipeline.transcriber).transcribe

    def transcribe(self, samples, language):
        calls.append(language)
        return real(self, samples, language)

    monkeypatch.setattr(type(voice_pipeline.transcriber), "transcribe", transcribe)
    return calls


async def test_a_blocked_address_gets_nothing_and_costs_nothing(billing_settings, llm_emulator):
    settings = billing_settings(free=10)
    async with Conversation(settings, ["whatsapp:+34600000002", "other"]) as chat:
        blocklist = chat.services.fair_use.blocklist
        assert await blocklist.block(normalise_address("+34 600 00 00 02"))
        await chat.say("other", "Hola", "o1")
        await chat.wait_replies("other", 1)
        from habla.agents.ingress import ingest
        from habla.domain.messages import Inbound

        for n in range(3):  # Twilio's spelling of the same number
            await ingest(chat.services, Inbound(channel="console", address="whatsapp:+34600000002", message_id=f"b{n}", text="spam"))
        await chat.say("other", "Sigo aquí", "o2")
        await chat.wait_replies("other", 2)
        await asyncio.sleep(0.3)
        assert chat.replies["whatsapp:+34600000002"] == [] and len(llm_emulator.requests) == 2
        assert await chat.services.store.turn_for("console:b0") is None
        assert await blocklist.unblock("34600000002")
        await ingest(chat.services, Inbound(channel="console", address="whatsapp:+34600000002", message_id="b9", text="perdón"))
        await chat.wait_replies("whatsapp:+34600000002", 1)


async def test_over_quota_and_blocked_voice_notes_never_reach_the_speech_model(
    billing_settings, llm_emulator, counted_transcriptions
):
    llm_emulator.reply_fn = unchanged_repair
    settings = billing_settings(free=1)
    sentence = SENTENCES["es"][0]
    async with VoiceChat(settings, address=PHONE) as chat:
        await chat.send_note("v1", note(speech(sentence, "es")))
        heard, reply = await chat.wait_texts(2)  # within the quota: heard and answered (charged once, as a note)
        assert heard.startswith("🎙️") and "«" in reply
        ran = len(counted_transcriptions)
        assert ran >= 1 and len(tutor_requests(llm_emulator)) == 1
        learner = await chat.learner()
        assert await chat.services.fair_use.store.usage(learner.id, "free") == 1  # the transcript was not charged again

        await chat.send_note("v2", note(speech(sentence, "es")))
        [*_, limit] = await chat.wait_texts(3)
        assert "1 free messages" in limit and "client_reference_id=" in limit
        await chat.services.fair_use.blocklist.block(normalise_address(PHONE))
        await chat.send_note("v3", note(speech(sentence, "es")))
        await chat.say("t1", "¿Hola?")  # blocked too: nothing comes back for either
        await asyncio.sleep(1.0)
        assert len(chat.texts) == 3
        assert len(counted_transcriptions) == ran and len(tutor_requests(llm_emulator)) == 1
