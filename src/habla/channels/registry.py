"""Which channels this process can send on, built from settings."""

from __future__ import annotations

from habla.channels.base import Channel
from habla.config import Settings


def build_channels(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.simulator.enabled:
        from habla.channels.simulator import SimulatorChannel

        channels["simulator"] = SimulatorChannel(settings.simulator.callback_url)
    if settings.whatsapp.enabled:
        from habla.channels.whatsapp.channel import WhatsAppChannel

        channels["whatsapp"] = WhatsAppChannel(settings.whatsapp)
    if settings.twilio.enabled:
        from habla.channels.twilio.outbox import MediaOutbox
        from habla.channels.twilio.channel import TwilioChannel

        channels["twilio"] = TwilioChannel(
            settings.twilio, public_url=settings.public_url, outbox=MediaOutbox(settings.media_dir)
        )
    return channels
