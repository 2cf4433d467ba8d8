"""A real Chromium (Debian's, installed by scripts/services.sh) driven by Playwright, one per test module.

Playwright's own browser download cannot work offline, so it is pointed at the system binary. The fake
microphone plays a WAV of espeak-ng speaking Spanish, so a voice note recorded on the page has real speech.
Screenshots go to build/screenshots/ (HABLA_SCREENSHOT_DIR to change it).
"""

from __future__ import annotations

import os
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SPOKEN = "Buenos días, ¿cómo estás?"


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("HABLA_SCREENSHOT_DIR", ROOT / "build" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def fake_microphone(tmp_path_factory) -> Path:
    from scipy.signal import resample_poly

    from habla_testkit.audio import RATE, speech

    samples = resample_poly(speech(SPOKEN, "es", pad_s=0.3), 48_000, RATE)
    path = tmp_path_factory.mktemp("mic") / "speech.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def browser(fake_microphone):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is missing: scripts/services.sh installs it (apt-get install chromium)"
    args = CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_microphone}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def llm():
    import json

    from habla.domain.prompts import TURN_MARKER
    from habla_testkit.emulators.llm import LLMEmulator, tutor_reply

    def reply(messages):
        if "speech-recognition errors" in messages[0]["content"]:  # the voice agent's repair: nothing to repair
            return messages[1]["content"].rsplit("Recognised voice note: ", 1)[1]
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        if TURN_MARKER not in messages[0]["content"]:
            return None  # the memory agent's calls: the emulator's default
        # a pronunciation example, which the sender also speaks as a voice note
        pronounce = ["buenos días"] if "pronounce" in last.lower() else []
        return json.dumps({"reply": tutor_reply(messages), "corrections": [], "new_words": [], "pronounce": pronounce})

    with LLMEmulator(reply_fn=reply) as emulator:
        yield emulator
