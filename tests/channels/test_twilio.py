"""Twilio's webhook side: the signature algorithm and the parsing of recorded WhatsApp payloads."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings, strategies as st

from habla.channels.twilio import webhook as twilio
from habla.domain.messages import InboundKind
from habla.errors import ChannelError, SignatureError
from habla_testkit.emulators.twilio import sign_webhook

DATA = Path(__file__).parent.parent / "data" / "twilio"

# The vectors of Twilio's own validator tests (twilio-python, tests/unit/test_request_validator.py).
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def payload(name: str) -> dict[str, str]:
    return json.loads((DATA / f"{name}.json").read_text())


# signature


def test_signature_matches_twilios_published_vector():
    assert twilio.compute_signature(DOC_URL, DOC_PARAMS, DOC_TOKEN) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    twilio.verify_signature(DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", DOC_TOKEN)


def test_repeated_parameters_are_sorted_by_value_as_twilio_does():
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert twilio.compute_signature(DOC_URL, pairs, DOC_TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    "url, signature",
    [
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # port dropped
        (DOC_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # Twilio signed with :443 added
        ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # :80 added
    ],
)
def test_port_variants_from_twilios_tests(url, signature):
    twilio.verify_signature(url, DOC_PARAMS, signature, DOC_TOKEN)


def test_missing_and_wrong_signatures_are_told_apart():
    with pytest.raises(twilio.MissingSignature):
        twilio.verify_signature(DOC_URL, DOC_PARAMS, None, DOC_TOKEN)
    with pytest.raises(twilio.MissingSignature):
        twilio.verify_signature(DOC_URL, DOC_PARAMS, "", DOC_TOKEN)
    with pytest.raises(SignatureError) as wrong:
        twilio.verify_signature(DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "54321")
    assert not isinstance(wrong.value, twilio.MissingSignature)


@pytest.mark.parametrize(
    "change",
    [
        lambda url, params: (url + "&baz=3", params),  # a different URL
        lambda url, params: (url, {**params, "Digits": "1235"}),  # a changed value
        lambda url, params: (url, {**params, "Extra": ""}),  # an added parameter, even empty
        lambda url, params: (url, {k: v for k, v in params.items() if k != "To"}),  # a dropped one
    ],
)
def test_any_change_breaks_the_signature(change):
    url, params = change(DOC_URL, DOC_PARAMS)
    with pytest.raises(SignatureError):
        twilio.verify_signature(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", DOC_TOKEN)


@settings(max_examples=200, deadline=None)
@given(
    form=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=60), max_size=12),
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/-_", max_size=30),
    token=st.text(min_size=1, max_size=40),
)
def test_round_trip_through_the_wire_encoding(form, path, token):
    """What the Twilio side signs, encoded as a form body, decoded by parse_form, verifies; a flipped
    character of the signature does not."""
    url = f"https://habla.example/{path}"
    signature = sign_webhook(url, form, token)
    body = urlencode(list(form.items())).encode()
    pairs = twilio.parse_form(body)
    assert dict(pairs) == form
    twilio.verify_signature(url, pairs, signature, token)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(SignatureError):
        twilio.verify_signature(url, pairs, flipped, token)


def test_invalid_utf8_in_a_form_is_signed_as_the_bytes_that_arrived():
    pairs = twilio.parse_form(b"Body=Hola%FF%FEamigo&From=whatsapp%3A%2B34600111222")
    signature = twilio.compute_signature("https://h.example/webhooks/twilio", pairs, "t")
    twilio.verify_signature("https://h.example/webhooks/twilio", pairs, signature, "t")
    [inbound] = twilio.parse({**dict(pairs), "MessageSid": "SM1"})
    assert inbound.garbled and inbound.text.startswith("Hola")


def test_a_form_with_thousands_of_fields_is_refused():
    with pytest.raises(ChannelError):
        twilio.parse_form(b"&".join(b"a%d=1" % i for i in range(5000)))


# parsing


def test_text_message():
    [inbound] = twilio.parse(payload("text"))
    assert inbound.channel == "twilio"
    assert inbound.address == "+34600111222"  # E.164 without the whatsapp: prefix
    assert inbound.message_id == "SM9f1c2e3d4b5a69788796a5b4c3d2e1f0"
    assert inbound.kind == InboundKind.TEXT and inbound.text == "Hola, me llamo Ana y quiero practicar"
    assert inbound.learner_key == "twilio:+34600111222"
    assert inbound.extra["profile_name"] == "Ana" and not inbound.garbled


def test_voice_note():
    form = payload("voice_note")
    [inbound] = twilio.parse(form)
    assert inbound.kind == InboundKind.AUDIO and inbound.text == ""
    assert inbound.media_url == form["MediaUrl0"] and inbound.media_id == form["MediaUrl0"]
    assert inbound.media_mime == "audio/ogg"


def test_image_with_caption():
    [inbound] = twilio.parse(payload("image"))
    assert inbound.kind == InboundKind.IMAGE and inbound.media_mime == "image/jpeg"
    assert inbound.text == "¿Qué es esto en español?"


def test_location():
    [inbound] = twilio.parse(payload("location"))
    assert inbound.kind == InboundKind.LOCATION
    assert inbound.extra["latitude"] == pytest.approx(40.416775)
    assert inbound.extra["longitude"] == pytest.approx(-3.70379)
    assert inbound.extra["label"] == "Puerta del Sol"


def test_button_reply():
    [inbound] = twilio.parse(payload("button_reply"))
    assert inbound.kind == InboundKind.INTERACTIVE
    assert inbound.text == "Seguir practicando"
    assert inbound.extra["button_payload"] == "resume_practice"
    assert inbound.extra["replied_to"] == "SMf0e1d2c3b4a5968778695a4b3c2d1e0f"


def test_a_button_reply_without_body_reads_as_the_button_text():
    [inbound] = twilio.parse(payload("button_reply") | {"Body": ""})
    assert inbound.kind == InboundKind.INTERACTIVE and inbound.text == "Seguir practicando"


def test_kind_is_inferred_when_message_type_is_absent():
    form = {k: v for k, v in payload("voice_note").items() if k != "MessageType"}
    assert twilio.parse(form)[0].kind == InboundKind.AUDIO
    form = {k: v for k, v in payload("location").items() if k != "MessageType"}
    assert twilio.parse(form)[0].kind == InboundKind.LOCATION
    form = {**payload("text"), "MessageType": "video"}
    assert twilio.parse(form)[0].kind == InboundKind.UNSUPPORTED


@pytest.mark.parametrize("name", ["status_sent", "status_delivered", "status_read", "status_failed"])
def test_status_callbacks_are_statuses_not_messages(name):
    form = payload(name)
    status = twilio.status_of(form)
    assert status is not None and status.status == name.removeprefix("status_")
    assert twilio.parse(form) == []
    assert status.failed == (name == "status_failed")
    if status.failed:
        assert status.error_code == "63016"


@pytest.mark.parametrize("name", ["text", "voice_note", "image", "location", "button_reply"])
def test_messages_are_not_statuses(name):
    assert twilio.status_of(payload(name)) is None


def test_sms_sender_is_ignored_not_answered_on_whatsapp():
    assert twilio.parse({**payload("text"), "From": "+34600111222"}) == []


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": "", "SmsMessageSid": "", "SmsSid": ""},
        {"MessageSid": "SM 1; DROP TABLE", "SmsMessageSid": "", "SmsSid": ""},
        {"From": ""},
        {"From": "whatsapp:ana"},
        {"From": "whatsapp:+3460011122233344455"},
        {"From": "whatsapp:+34600111222\n"},
        {"MessageSid": "SM123\n", "SmsMessageSid": "", "SmsSid": ""},
        {"NumMedia": "two"},
        {"NumMedia": "1"},  # but no MediaUrl0
        {"NumMedia": "1", "MediaUrl0": "file:///etc/passwd"},
        {"MessageType": "location", "Latitude": "north", "Longitude": "1"},
        {"MessageType": "location", "Latitude": "nan", "Longitude": "1"},
        {"MessageType": "location", "Latitude": "91", "Longitude": "1"},
    ],
)
def test_malformed_messages_are_refused_clearly(change):
    with pytest.raises(ChannelError):
        twilio.parse({**payload("text"), **change})


def test_nul_characters_never_reach_storage():
    [inbound] = twilio.parse({**payload("text"), "Body": "Hola\x00 amigo"})
    assert inbound.text == "Hola amigo"
