"""What `habla doctor` says about the channels: which are on, and which half-set ones cannot work."""

from __future__ import annotations

from habla.config import Settings


def channel_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    """(name, ok, detail) per channel; a channel nobody configured is fine, a half-configured one is not."""
    checks = []
    wa = settings.whatsapp
    if wa.app_secret or wa.access_token or wa.phone_number_id or wa.verify_token:
        missing = [name for name, value in (
            ("HABLA_WHATSAPP__APP_SECRET", wa.app_secret), ("HABLA_WHATSAPP__ACCESS_TOKEN", wa.access_token),
            ("HABLA_WHATSAPP__PHONE_NUMBER_ID", wa.phone_number_id), ("HABLA_WHATSAPP__VERIFY_TOKEN", wa.verify_token),
        ) if not value]
        if missing:
            checks.append(("whatsapp", False, f"half configured: set {', '.join(missing)} "
                           "(without the access token and phone number id, messages are accepted but never answered)"))
        else:
            checks.append(("whatsapp", True, f"Cloud API at {wa.api_base}, webhook /webhooks/whatsapp"))
    tw = settings.twilio
    if tw.account_sid or tw.auth_token or tw.from_:
        missing = [name for name, value in (
            ("HABLA_TWILIO__ACCOUNT_SID", tw.account_sid), ("HABLA_TWILIO__AUTH_TOKEN", tw.auth_token),
            ("HABLA_TWILIO__FROM", tw.from_), ("HABLA_PUBLIC_URL", settings.public_url),
        ) if not value]
        if missing:
            checks.append(("twilio", False, f"half configured: set {', '.join(missing)} (Twilio signs webhooks "
                           "against HABLA_PUBLIC_URL and fetches our voice notes from it)"))
        else:
            checks.append(("twilio", True, f"sending as {tw.from_}, webhook {settings.public_url}/webhooks/twilio"))
    if not checks:
        checks.append(("channels", True, "none configured yet: only `habla chat` and /webhooks/simulator; "
                       "set HABLA_WHATSAPP__* or HABLA_TWILIO__* (see README)"))
    return checks
