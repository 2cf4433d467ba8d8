"""Media waiting for Twilio to fetch it: Twilio sends a file only from a public URL, never an upload.

Each file lives in ``{media_dir}/outbox/twilio/{token}`` with its MIME type beside it in ``{token}.type``.
The token (32 random bytes, URL-safe base64) is the only credential of ``GET /media/twilio/{token}``, so it
must be unguessable; files are removed a day after they were written, by the next ``put``, and at once
when their learner asks to be forgotten: each file's owner (a keyed digest of the learner key, never the
number) is kept beside it in ``{token}.owner``.

The process that sends and the one that serves the URL must see the same folder: with API and worker
processes on different machines, ``HABLA_MEDIA_DIR`` has to be shared storage.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from habla.errors import ChannelError

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}\Z")
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\Z")
DEFAULT_MAX_AGE_S = 24 * 3600
PRUNE_EVERY_S = 600


def normalise_mime(mime: str) -> str:
    """``audio/ogg; codecs=opus`` → ``audio/ogg``; refuses anything that is not a plain type/subtype,
    because it becomes a Content-Type header."""
    base = mime.split(";")[0].strip().lower()
    if not _MIME.match(base):
        raise ChannelError("media type must look like type/subtype, e.g. audio/ogg")
    return base


class MediaOutbox:
    def __init__(self, media_dir: str | os.PathLike[str], max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        self.folder = Path(media_dir) / "outbox" / "twilio"
        self.max_age_s = max_age_s
        self._pruned_at = 0.0

    def put(self, data: bytes, mime: str, owner: str | None = None) -> str:
        """Store ``data`` and return its token. Blocking: call it in a thread."""
        mime = normalise_mime(mime)
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        # The type (and owner) first, then the data: a file whose data exists always has its type.
        if owner is not None:
            self._write(self.folder / f"{token}.owner", owner.encode())
        self._write(self.folder / f"{token}.type", mime.encode())
        self._write(self.folder / token, data)
        if time.time() - self._pruned_at > PRUNE_EVERY_S:
            self.prune()
        return token

    def get(self, token: str) -> tuple[Path, str] | None:
        """The file and its MIME type, or None for a malformed, unknown or expired token."""
        if not TOKEN.match(token):
            return None
        path = self.folder / token
        try:
            if time.time() - path.stat().st_mtime > self.max_age_s:
                return None
            mime = (self.folder / f"{token}.type").read_text().strip()
        except OSError:
            return None
        return path, mime

    def prune(self) -> int:
        """Remove files older than ``max_age_s``; returns how many were removed."""
        self._pruned_at = time.time()
        removed = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in entries:
            try:
                if self._pruned_at - entry.stat().st_mtime > self.max_age_s:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue  # another process pruned it first
        return removed

    def forget(self, owner: str) -> int:
        """Remove every file ``owner`` put here ("delete my data"); returns how many media files went."""
        removed = 0
        try:
            tags = [entry for entry in os.scandir(self.folder) if entry.name.endswith(".owner")]
        except OSError:
            return 0
        for tag in tags:
            try:
                if Path(tag.path).read_text() != owner:
                    continue
            except OSError:
                continue
            token = tag.name[: -len(".owner")]
            for name in (token, f"{token}.type", tag.name):
                try:
                    os.unlink(self.folder / name)
                    removed += name == token
                except OSError:
                    pass  # pruned meanwhile
        return removed

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
