"""The real services with the conversation, voice and sender agents in-process, on the console channel.

Voice notes go in as data: URLs or file paths (how `habla chat` and the simulator carry them); what the
learner's phone would show is collected in order: text messages in ``texts``, voice notes in ``audio``.
"""

from __future__ import annotations


from habla.agents.ingress import ingest
from habla.domain.messages import Inbound, InboundKind
from habla_testkit.conversation import Conversation
from habla_testkit.bus import wait_until
from habla_testkit.audio import data_url


class VoiceChat(Conversation):
    """habla_testkit.conversation.Conversation for one learner, with the voice agent running too."""

    def __init__(self, settings, address: str = "ana") -> None:
        super().__init__(settings, [address], agents=("conversation", "sender", "voice"))
        self.address = address
        self.texts = self.sent  # every text message the phone showed, in order

    @property
    def audio(self) -> list[bytes]:
        return self.services.channels["console"].audio

    async def send_note(self, message_id: str, data: bytes | None = None, *, media_url: str | None = None) -> None:
        url = media_url if media_url is not None else data_url(data or b"")
        await ingest(
            self.services,
            Inbound(channel="console", address=self.address, message_id=message_id, kind=InboundKind.AUDIO, media_url=url),
        )

    async def say(self, message_id: str, text: str) -> None:
        await ingest(self.services, Inbound(channel="console", address=self.address, message_id=message_id, text=text))

    async def wait_texts(self, count: int, timeout: float = 30.0) -> list[str]:
        await wait_until(lambda: len(self.texts) >= count, timeout=timeout, what=f"{count} messages, got {self.texts}")
        return self.texts

    async def learner(self):
        return await self.services.store.learner("console", self.address)
