"""The speech model is loaded once per test session (as once per worker process in production)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def voice_pipeline():
    from habla.config import VoiceSettings
    from habla.voice.pipeline import pipeline_for

    pipeline = pipeline_for(VoiceSettings())
    pipeline.transcriber.load()
    return pipeline
