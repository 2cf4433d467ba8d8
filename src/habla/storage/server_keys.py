"""``server_keys``: the key behind ``hashed()`` / ``digest()`` when ``HABLA_SERVER_KEY`` is not set.

Made once, by whichever process asks first (an INSERT that loses a race inserts nothing, and everyone reads
the winner's), so the API process and every worker on one database name learners with the same digests.
"""

from __future__ import annotations

import secrets
import time

from habla.storage.access import TableAccess
from habla.storage.models import ServerKeyRow

DIGEST_KEY = "digest"


class ServerKeyTable(TableAccess):
    async def server_key(self, name: str = DIGEST_KEY) -> bytes:
        """The deployment's key called ``name``, created on first use (32 random bytes)."""
        async with self.reading() as session:
            row = await session.get(ServerKeyRow, name)
        if row is None:
            await self.insert_ignore(
                ServerKeyRow.__table__, {"name": name, "value": secrets.token_hex(32), "created_at": time.time()}
            )
            async with self.reading() as session:
                row = await session.get(ServerKeyRow, name)
        return bytes.fromhex(row.value)
