"""WhatsApp Cloud API webhooks, framework-free: handshake, signature, and every recorded payload."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from habla.channels.whatsapp.webhook import (
    MissingSignature,
    WrongSignature,
    log_failed_statuses,
    parse,
    verify_handshake,
    verify_signature,
)
from habla.domain.messages import InboundKind
from habla.errors import ChannelError, SignatureError

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
PHONE_NUMBER_ID = "106540352242922"
SECRET = "app-secret-for-tests"


def payload(name: str) -> bytes:
    return (DATA / f"{name}.json").read_bytes()


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


# -- handshake ------------------------------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_only_for_the_right_token():
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert verify_handshake(params, "tok") == "1158201444"
    assert verify_handshake({**params, "hub.verify_token": "nope"}, "tok") is None
    assert verify_handshake({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert verify_handshake({k: v for k, v in params.items() if k != "hub.verify_token"}, "tok") is None
    assert verify_handshake(params, None) is None  # no token configured: nobody can subscribe
    assert verify_handshake({**params, "hub.verify_token": "töken\udcff"}, "tok") is None


# -- signature ------------------------------------------------------------------------------------------------


def test_signature_over_the_raw_bytes():
    raw = payload("text")
    verify_signature(raw, sign(raw), SECRET)
    # The same JSON re-serialised is different bytes, so it must not verify with the original signature.
    reserialised = json.dumps(json.loads(raw)).encode()
    assert reserialised != raw
    with pytest.raises(WrongSignature):
        verify_signature(reserialised, sign(raw), SECRET)


@pytest.mark.parametrize(
    "header, error, status",
    [
        (None, MissingSignature, 401),
        ("", MissingSignature, 401),
        ("sha256=" + "0" * 64, WrongSignature, 403),
        ("sha1=abc", WrongSignature, 403),
        ("garbage ☃", WrongSignature, 403),
    ],
)
def test_missing_and_wrong_signatures(header, error, status):
    raw = payload("text")
    with pytest.raises(error) as caught:
        verify_signature(raw, header, SECRET)
    assert isinstance(caught.value, SignatureError) and caught.value.status == status


def test_signature_with_another_secret_is_wrong():
    raw = payload("text")
    with pytest.raises(WrongSignature):
        verify_signature(raw, sign(raw, "another-secret"), SECRET)


# -- every recorded payload -----------------------------------------------------------------------------------


def test_text():
    [message] = parse(payload("text"), PHONE_NUMBER_ID).messages
    assert message.channel == "whatsapp" and message.address == "16505551234"
    assert message.message_id.startswith("wamid.") and message.kind == InboundKind.TEXT
    assert message.text == "Hola, ¿cómo estás? Ayer fui al mercado."
    assert message.received_at == 1749416383.0  # when the learner sent it: the 24-hour window starts there
    assert message.group_id is None


def test_voice_note():
    [message] = parse(payload("audio_voice")).messages
    assert message.kind == InboundKind.AUDIO and message.media_id == "1003383421387256"
    assert message.media_mime == "audio/ogg; codecs=opus" and message.extra["voice"] is True


def test_image_with_caption_and_sticker():
    [image] = parse(payload("image")).messages
    assert (image.kind, image.media_id, image.media_mime) == (InboundKind.IMAGE, "1479537139650973", "image/jpeg")
    assert image.text == "¿Qué es esto en español?"
    [sticker] = parse(payload("sticker")).messages
    assert sticker.kind == InboundKind.STICKER and sticker.media_mime == "image/webp"


def test_reaction():
    [message] = parse(payload("reaction")).messages
    assert message.kind == InboundKind.REACTION and message.text == "👍"
    assert message.extra["reacted_to"].startswith("wamid.")


@pytest.mark.parametrize(
    "name, text, reply_id",
    [("interactive_button_reply", "Nivel B1", "level_b1"), ("interactive_list_reply", "Comida", "topic_food"),
     ("button", "¡Sigamos!", "RESUME_PRACTICE")],
)
def test_button_and_list_replies_read_as_their_title(name, text, reply_id):
    [message] = parse(payload(name)).messages
    assert message.kind == InboundKind.INTERACTIVE and message.text == text
    assert message.extra["reply_id"] == reply_id and message.extra["context_id"].startswith("wamid.")


def test_location_and_contacts():
    [location] = parse(payload("location")).messages
    assert location.kind == InboundKind.LOCATION
    assert location.extra["latitude"] == pytest.approx(40.415363) and location.extra["name"] == "Plaza Mayor"
    [contacts] = parse(payload("contacts")).messages
    assert contacts.kind == InboundKind.CONTACTS and contacts.extra == {"count": 1}
    assert "600" not in json.dumps(contacts.model_dump())  # the shared card's number is not kept


@pytest.mark.parametrize("name, kind_name", [("unsupported", "unsupported"), ("unknown_type", "hologram"),
                                              ("document", "document")])
def test_types_the_tutor_cannot_use_are_unsupported_not_errors(name, kind_name):
    [message] = parse(payload(name)).messages
    assert message.kind == InboundKind.UNSUPPORTED and message.extra["type"] == kind_name


def test_group_message_carries_the_group():
    [message] = parse(payload("group")).messages
    assert message.group_id == "Y2FwaV9ncm91cDoxNTU1MDc4Mzg4MToxMjAzNjMzOTQ3MzA4NzcxMjkZD"
    assert message.address == "16505551234"


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
def test_status_only_bodies_have_no_messages(status):
    parsed = parse(payload(f"status_{status}"))
    assert parsed.messages == [] and [s.status for s in parsed.statuses] == [status]
    assert parsed.failed_statuses == ([parsed.statuses[0]] if status == "failed" else [])


def test_failed_statuses_are_logged_with_codes_and_without_the_number(caplog):
    parsed = parse(payload("status_failed"))
    assert parsed.failed_statuses[0].errors == (131047,)
    with caplog.at_level(logging.WARNING):
        log_failed_statuses(parsed)
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "131047" in record.getMessage()
    assert "16505551234" not in record.getMessage()


def test_batch_of_entries_changes_and_messages_keeps_their_order():
    parsed = parse(payload("batch"), PHONE_NUMBER_ID)
    assert [m.message_id for m in parsed.messages] == [
        "wamid.BATCH-A-1", "wamid.BATCH-A-2", "wamid.BATCH-B-1", "wamid.BATCH-B-2"
    ]
    assert [m.address for m in parsed.messages] == ["16505550001"] * 2 + ["16505550002"] * 2
    assert parsed.messages[3].kind == InboundKind.AUDIO
    assert [s.status for s in parsed.statuses] == ["delivered", "read"]


def test_messages_for_another_phone_number_are_skipped():
    parsed = parse(payload("text"), "some-other-number")
    assert parsed.messages == [] and parsed.skipped == 1


# -- bad and odd input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"not json", b"{", b"\xff\xfe", b"[1, 2]", b'"text"', b"null", b"[" * 100_000])
def test_a_body_that_is_not_a_json_object_is_a_channel_error(raw):
    with pytest.raises(ChannelError):
        parse(raw)


@pytest.mark.parametrize(
    "message",
    [
        {"id": "w1", "type": "text", "text": {"body": "no sender"}},
        {"from": "1", "type": "text", "text": {"body": "no id"}},
        {"from": "1", "id": "x" * 500, "type": "text"},
        {"from": "1\x00", "id": "w1", "type": "text"},
        {"from": ["1"], "id": "w1"},
        "a string",
    ],
)
def test_unreadable_messages_are_skipped_not_fatal(message):
    body = {"object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [message]}}]}]}
    parsed = parse(json.dumps(body).encode())
    assert parsed.messages == [] and parsed.skipped == 1


def test_text_is_made_storable_and_numbers_finite():
    body = {"entry": [{"changes": [{"value": {"messages": [
        {"from": "1", "id": "w1", "type": "text", "text": {"body": "a\u0000b\ud800c"}, "timestamp": "NaN"},
        {"from": "1", "id": "w2", "type": "location", "location": {"latitude": float("inf"), "longitude": 10**400}},
    ]}}]}]}
    first, second = parse(json.dumps(body).encode()).messages
    assert first.text == "ab?c" and first.garbled  # NUL dropped (Postgres), lone surrogate replaced
    assert abs(first.received_at - time.time()) < 60
    assert second.extra == {}
    json.dumps(first.model_dump(mode="json"), allow_nan=False).encode("utf-8")  # the bus can carry them


def test_a_timestamp_in_the_future_is_not_believed():
    body = {"entry": [{"changes": [{"value": {"messages": [
        {"from": "1", "id": "w1", "type": "text", "text": {"body": "hi"}, "timestamp": str(int(time.time()) + 86400)}
    ]}}]}]}
    [message] = parse(json.dumps(body).encode()).messages
    assert message.received_at <= time.time()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["object", "entry", "changes", "value", "field", "messages", "statuses", "from", "id", "type",
                         "text", "body", "timestamp", "audio", "interactive", "button_reply", "errors", "code",
                         "group_id", "metadata", "phone_number_id", "location", "latitude", "contacts", "context"])
        | st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_of_any_json_either_parses_or_raises_channel_error(value):
    raw = json.dumps(value).encode()
    try:
        parsed = parse(raw)
    except ChannelError:
        assert not isinstance(value, dict)
        return
    for message in parsed.messages:
        json.dumps(message.model_dump(mode="json"), allow_nan=False).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_parse_of_any_bytes_never_crashes(raw):
    try:
        parse(raw)
    except ChannelError:
        pass
