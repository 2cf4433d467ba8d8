"""Hypothesis against POST /webhooks/twilio on both deployments: whatever arrives, never a 5xx, never a crash."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from tests.api.test_twilio_routes import PUBLIC_URL, WEBHOOK, payload, running, twilio_settings
from habla_testkit.emulators.twilio import TwilioEmulator, sign_webhook

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Header values as they can arrive on the wire: printable Latin-1 (no CR/LF, which HTTP parsers refuse).
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=80)
TWILIO_FIELDS = [
    "MessageSid", "SmsMessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MediaContentType0",
    "MediaUrl1", "Latitude", "Longitude", "Address", "Label", "ButtonText", "ButtonPayload", "ProfileName",
    "MessageType", "MessageStatus", "ErrorCode", "OriginalRepliedMessageSid", "WaId",
]
field_values = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A(SM|MM)[0-9a-f]{32}\Z"),
    st.from_regex(r"\Awhatsapp:\+[1-9][0-9]{5,14}\Z"),
    st.sampled_from(["", "0", "1", "11", "-1", "nan", "inf", "1e308", "audio/ogg", "image/png", "location",
                     "button", "sticker", "failed", "read", "https://api.twilio.com/x", "file:///etc/passwd"]),
)
forms = st.builds(
    lambda base, changes, dropped: {k: v for k, v in {**base, **changes}.items() if k not in dropped},
    st.sampled_from(["text", "voice_note", "image", "location", "button_reply", "status_failed"]).map(payload),
    st.dictionaries(st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(min_size=1, max_size=12)), field_values, max_size=6),
    st.sets(st.sampled_from(TWILIO_FIELDS), max_size=4),
)


@pytest.fixture
async def fuzz_app(make_settings, tmp_path):
    with TwilioEmulator() as emulator:
        settings = make_settings(twilio=twilio_settings(emulator), public_url=PUBLIC_URL, media_dir=str(tmp_path / "m"))
        async with running(settings, agents=[]) as habla:
            yield habla


@FUZZ
@given(form=forms, query=st.sampled_from(["", "?a=1", "?x=%00&y"]))
async def test_signed_forms_of_any_shape_never_5xx(fuzz_app, form, query):
    """Correctly signed, so every request gets past the signature into parsing and, often, the store."""
    path = WEBHOOK + query
    response = await fuzz_app.client.post(
        path,
        content=urlencode(form).encode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": sign_webhook(PUBLIC_URL + path, form),
        },
    )
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400), (response.status_code, response.text)


@FUZZ
@given(
    body=st.one_of(st.binary(max_size=600), st.text(max_size=300).map(str.encode)),
    signature=st.one_of(st.none(), header_text),
    content_type=st.one_of(st.none(), header_text, st.just("application/x-www-form-urlencoded")),
    extra=st.dictionaries(st.from_regex(r"\Ax-[a-z]{1,10}\Z"), header_text, max_size=3),
)
async def test_arbitrary_bodies_and_headers_never_5xx(fuzz_app, body, signature, content_type, extra):
    headers = dict(extra)
    if signature is not None:
        headers["x-twilio-signature"] = signature
    if content_type is not None:
        headers["content-type"] = content_type
    headers = {name: value.encode("latin-1") for name, value in headers.items()}  # bytes, as on the wire
    response = await fuzz_app.client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code in (400, 401, 403), (response.status_code, response.text)
