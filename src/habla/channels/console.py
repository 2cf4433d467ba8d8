"""The terminal as a learner's phone: `habla chat` prints what the tutor sends to this address.

Voice notes the tutor sends (pronunciation examples) are saved as .ogg files and flashcards as .png files
under ``media_dir`` when one is given, and the terminal shows where (open the path to see the card); a
learner's own voice note is a line ``/voice path/to/note.ogg``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable


class ConsoleChannel:
    name = "console"
    hard_limit = None

    def __init__(self, write: Callable[[str], None], media_dir: str | None = None) -> None:
        self._write = write
        self._media_dir = Path(media_dir) / "console" if media_dir else None
        self.audio: list[bytes] = []  # voice notes sent, in order (what a phone would play)

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        self._write(text)

    async def send_audio(self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str) -> None:
        self.audio.append(data)
        if self._media_dir is None:
            self._write(f"🔊 [voice note, {len(data)} bytes]")
            return
        self._media_dir.mkdir(parents=True, exist_ok=True)
        path = self._media_dir / (hashlib.sha256(idempotency_key.encode()).hexdigest()[:16] + ".ogg")
        path.write_bytes(data)
        self._write(f"🔊 [voice note: {path}]")

    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None:
        suffix = f" {caption}" if caption else ""
        if self._media_dir is None:
            self._write(f"🖼️ [image, {len(data)} bytes]{suffix}")
            return
        path = self._save(data, idempotency_key, "." + (mime.split("/")[-1] or "png"))
        self._write(f"🖼️ [flashcard: {path}]{suffix}")

    def _save(self, data: bytes, idempotency_key: str, suffix: str) -> Path:
        assert self._media_dir is not None
        self._media_dir.mkdir(parents=True, exist_ok=True)
        path = self._media_dir / (hashlib.sha256(idempotency_key.encode()).hexdigest()[:16] + suffix)
        path.write_bytes(data)
        return path.resolve()

    async def aclose(self) -> None:
        return None
