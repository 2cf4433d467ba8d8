"""Habla itself on loopback, as `habla serve` runs it (create_app with every agent, lifespan on), from a
background thread so a browser in the test's thread can talk to it."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from habla.api.app import create_app
from habla.web.simulator_page import point_callback_here


class HablaServer:
    def __init__(self, settings, *, port: int = 0, agents: list[str] | None = None) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port = self._sock.getsockname()[1]
        self.settings = settings
        point_callback_here(settings, "127.0.0.1", self.port)  # what `habla serve` does
        self.app = create_app(settings, agents)
        config = uvicorn.Config(self.app, log_config=None, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "HablaServer":
        self._sock.listen(128)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("habla did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._sock.close()
