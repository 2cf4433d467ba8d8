"""The far end of the simulator channel: records every reply Habla POSTs to its callback URL."""

from __future__ import annotations

import threading
import time

from fastapi import FastAPI, Request

from tests.emulators.threaded import ThreadedServer


class Receiver(ThreadedServer):
    def __init__(self) -> None:
        self.received: list[dict] = []
        self._lock = threading.Lock()
        app = FastAPI()

        @app.post("/callback")
        async def callback(request: Request) -> dict:
            body = await request.json()
            with self._lock:
                self.received.append(body)
            return {"ok": True}

        super().__init__(app)

    @property
    def callback_url(self) -> str:
        return f"{self.url}/callback"

    def wait_for(self, count: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        with self._lock:
            return list(self.received)
