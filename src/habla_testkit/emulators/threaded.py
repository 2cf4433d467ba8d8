"""Serve an ASGI app on 127.0.0.1 from a background thread, for emulators that tests run in-process."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class ThreadedServer:
    def __init__(self, app=None, port: int = 0) -> None:
        self._app = app  # None: a subclass builds it in _make_app()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def _make_app(self):
        raise TypeError("ThreadedServer needs an app, or a subclass that builds one in _make_app()")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        config = uvicorn.Config(
            self._app if self._app is not None else self._make_app(), log_config=None, log_level="warning",
            access_log=False, lifespan="off", timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._sock.listen(512)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
