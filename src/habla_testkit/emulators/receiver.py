"""The far end of the simulator channel: records every reply Habla POSTs to its callback URL.

As the simulator contract says, a POST whose idempotency_key was already seen is acknowledged and not
delivered again; `received` keeps every POST, `delivered` only what a learner would see.
"""

from __future__ import annotations

import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from habla_testkit.emulators.threaded import ThreadedServer


class Receiver(ThreadedServer):
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.refuse_with: int | None = None  # set to a status (503) to refuse every POST, as a far end that is down
        self._lock = threading.Lock()
        app = FastAPI()

        @app.post("/callback")
        async def callback(request: Request):
            if self.refuse_with is not None:
                return JSONResponse({"error": "refused by the test"}, self.refuse_with)
            body = await request.json()
            with self._lock:
                self.received.append(body)
            return {"ok": True}

        super().__init__(app)

    @property
    def delivered(self) -> list[dict]:
        seen: set[str] = set()
        out = []
        with self._lock:
            for body in self.received:
                if body["idempotency_key"] not in seen:
                    seen.add(body["idempotency_key"])
                    out.append(body)
        return out

    @property
    def callback_url(self) -> str:
        return f"{self.url}/callback"

    def wait_for(self, count: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered) >= count:
                return self.delivered
            time.sleep(0.05)
        return self.delivered
