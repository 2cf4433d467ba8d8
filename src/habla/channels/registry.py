"""Which channels this process can send on, built from settings."""

from __future__ import annotations

from habla.channels.base import Channel
from habla.config import Settings


def build_channels(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.simulator.enabled:
        from habla.channels.simulator import SimulatorChannel

        channels["simulator"] = SimulatorChannel(settings.simulator.callback_url)
    return channels
