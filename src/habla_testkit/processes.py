"""Start real `habla` processes (serve, worker, chat) for tests that cross process boundaries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def habla_env(**settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HABLA_")}
    # hermetic: a model the developer pulled into .models/ must not answer for a test that configures none
    env["HABLA_LLM__LOCAL__AUTO_DETECT"] = "false"
    # and replies read as the tutor's alone: the onboarding questions ride along only where a test turns them on
    env["HABLA_TUTOR__ONBOARDING"] = "false"
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def habla(*args: str, env: dict[str, str], cwd: Path, log: Path | None = None, **kwargs) -> subprocess.Popen:
    stderr = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "habla.cli", *args], env=env, cwd=cwd, stderr=stderr, **kwargs
    )


def run_habla(*args: str, env: dict[str, str], cwd: Path, input: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "habla.cli", *args], env=env, cwd=cwd, input=input, capture_output=True, timeout=timeout
    )


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"habla exited with {process.returncode} before it was healthy")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("habla serve did not become healthy")


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
