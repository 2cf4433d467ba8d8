"""Voice notes through the real webhooks and the real app: WhatsApp (the Graph emulator serves the media and
receives the replies, voice notes included) and the simulator channel (a data: URL in, base64 audio out)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import time
from pathlib import Path

import av
import httpx
import pytest

from habla.api.app import create_app
from habla.voice.pronunciation import word_error_rate
from habla_testkit.bus import wait_until
from habla_testkit.backends import llm_settings
from habla_testkit.audio import SENTENCES, data_url, note, speech

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
APP_SECRET = "voice-app-secret"
TARGET = "¿Dónde está la biblioteca?"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def tutor_with_example(messages) -> str:
    if "speech-recognition errors" in messages[0]["content"]:  # nothing to repair
        return messages[1]["content"].rsplit("Recognised voice note: ", 1)[1]
    return f"¡Muy bien!\n🔊 *{TARGET}* — Where is the library?\n¿Y tú, adónde vas hoy?"


@contextlib.asynccontextmanager
async def serving(settings):
    app = create_app(settings)  # every agent, voice included, as `habla serve` runs them
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://habla.test") as client:
            yield client


def assert_voice_note(data: bytes) -> None:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg" and stream.codec_context.name == "opus" and stream.codec_context.channels == 1


@SQLITE_ONLY
async def test_whatsapp_voice_note_download_transcript_reply_and_voice_example(make_settings, llm_emulator, voice_pipeline):
    from habla_testkit.emulators.graph import GraphEmulator

    llm_emulator.reply_fn = tutor_with_example
    sentence = SENTENCES["es"][0]
    with GraphEmulator() as graph:
        payload = json.loads((DATA / "audio_voice.json").read_text())
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message["timestamp"] = str(int(time.time()))
        graph.add_media(note(speech(sentence, "es")), "audio/ogg", media_id=message["audio"]["id"])
        raw = json.dumps(payload).encode()
        headers = {"content-type": "application/json",
                   "x-hub-signature-256": "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()}
        settings = make_settings(llm=llm_settings(llm_emulator), whatsapp=graph.settings(app_secret=APP_SECRET))
        async with serving(settings) as client:
            assert (await client.post("/webhooks/whatsapp", content=raw, headers=headers)).status_code == 200
            await wait_until(lambda: len(graph.texts()) == 2 and any(b["type"] == "audio" for b in graph.sent),
                             timeout=30, what="I heard, the reply and its voice example")
        heard, reply = graph.texts()
        assert heard.startswith("🎙️ I heard: “") and word_error_rate(sentence, heard[13:-1]) <= 0.3, heard
        assert reply.startswith("¡Muy bien!") and "🔊" in reply  # the example stays in the text too
        assert [b["type"] for b in graph.sent] == ["text", "text", "audio"]  # text first, then the voice note
        assert graph.downloads and graph.downloads[0][0] == message["audio"]["id"]
        assert message["id"] in [r["message_id"] for r in graph.receipts]  # the note itself was marked read
        (upload, mime), = graph.uploads.values()
        assert mime == "audio/ogg"
        assert_voice_note(upload)


@SQLITE_ONLY
async def test_simulator_voice_note_as_a_data_url(make_settings, llm_emulator, voice_pipeline):
    from habla_testkit.emulators.receiver import Receiver

    llm_emulator.reply_fn = tutor_with_example
    sentence = SENTENCES["en"][1]
    with Receiver() as receiver:
        settings = make_settings(llm=llm_settings(llm_emulator), simulator={"callback_url": receiver.callback_url})
        async with serving(settings) as client:
            body = {"from": "sim-1", "id": "sim-note-1", "media_url": data_url(note(speech(sentence, "en"), "webm"), "audio/webm")}
            answer = await client.post("/webhooks/simulator", json=body)
            assert answer.status_code == 200 and answer.json()["accepted"]
            await wait_until(lambda: len(receiver.delivered) >= 3, timeout=30, what="three deliveries")
            bad = await client.post("/webhooks/simulator", json={"from": "sim-1", "id": "x", "media_url": "/etc/passwd"})
            assert bad.status_code == 400  # only inline audio over HTTP: never a path on this server
        heard, reply, voice_note = receiver.delivered[:3]
        assert heard["text"].startswith("🎙️ I heard") and word_error_rate(sentence, heard["text"][13:-1]) <= 0.25
        assert reply["text"].startswith("¡Muy bien!")
        assert voice_note["mime"] == "audio/ogg"
        assert_voice_note(base64.b64decode(voice_note["audio"]))


@SQLITE_ONLY
async def test_twilio_voice_note_download_and_reply(make_settings, llm_emulator, voice_pipeline, tmp_path):
    from urllib.parse import urlencode

    from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator, sign_webhook

    llm_emulator.reply_fn = tutor_with_example
    sentence = SENTENCES["en"][0]
    public_url = "https://habla.example"
    with TwilioEmulator() as twilio:
        form = json.loads((DATA.parent / "twilio" / "voice_note.json").read_text())
        form["MediaUrl0"] = twilio.add_media(note(speech(sentence, "en")), "audio/ogg")
        settings = make_settings(
            llm=llm_settings(llm_emulator), public_url=public_url, media_dir=str(tmp_path / "media"),
            twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": FROM, "api_base": twilio.url},
        )
        async with serving(settings) as client:
            headers = {"content-type": "application/x-www-form-urlencoded",
                       "x-twilio-signature": sign_webhook(public_url + "/webhooks/twilio", form)}
            answer = await client.post("/webhooks/twilio", content=urlencode(form).encode(), headers=headers)
            assert answer.status_code < 300
            sent = await twilio.wait_sent(3, timeout=30)
        heard, reply, voice_note = sent[:3]
        assert heard["Body"].startswith("🎙️ I heard") and word_error_rate(sentence, heard["Body"][13:-1]) <= 0.25
        assert reply["Body"].startswith("¡Muy bien!")
        assert voice_note["MediaUrl"].startswith(public_url + "/media/twilio/")  # published for Twilio to fetch
