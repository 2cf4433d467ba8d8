"""`habla serve` as a new user runs it: it prints the simulator's and the dashboard's URLs, and the simulator
page's replies come back to it through the simulator channel's callback it points at itself (no LLM is
configured, so the reply is the "not configured" notice, which also goes through every agent)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_prints_its_urls_and_the_page_round_trips(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HABLA_")}
    env.update(HABLA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'habla.db'}", HABLA_MEDIA_DIR=str(tmp_path / "media"),
               HABLA_EMBEDDINGS__PROVIDER="none")
    habla = Path(sys.executable).parent / "habla"
    process = subprocess.Popen([str(habla), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines == [
            f"Habla on http://127.0.0.1:{port}",
            f"learner simulator: http://127.0.0.1:{port}/simulator",
            f"operator dashboard: http://127.0.0.1:{port}/admin (set HABLA_ADMIN__TOKEN to sign in)",
        ]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "habla serve did not come up"
            time.sleep(0.1)
        assert "learner simulator" in httpx.get(f"{base}/simulator").text
        assert httpx.post(f"{base}/simulator/api/ana/text", json={"text": "hola"}).status_code == 200
        answer = httpx.get(f"{base}/simulator/api/ana/messages", params={"after": 1, "wait": 20}, timeout=30).json()
        assert answer["messages"][0]["from"] == "tutor" and "no language model yet" in answer["messages"][0]["text"]
    finally:
        process.terminate()
        process.wait(timeout=20)
