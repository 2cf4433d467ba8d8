"""Settings: names, nesting, secrets that never print, placeholders refused outside development."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from habla.config import Settings
from habla.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]


def test_nested_llm_settings_from_environment(monkeypatch):
    monkeypatch.setenv("HABLA_LLM__FAST__PROVIDER", "openai")
    monkeypatch.setenv("HABLA_LLM__FAST__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("HABLA_LLM__FAST__MODEL", "small")
    monkeypatch.setenv("HABLA_LLM__FAST__API_KEY", "sk-test-123")
    monkeypatch.setenv("HABLA_LLM__SMART__PROVIDER", "anthropic")
    monkeypatch.setenv("HABLA_LLM__SMART__MODEL", "big")
    monkeypatch.setenv("HABLA_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings(_env_file=None)
    assert settings.llm.fast.model == "small" and settings.llm.fast.configured
    assert settings.llm.smart.provider == "anthropic" and settings.llm.smart.configured
    assert settings.uses_redis
    assert "sk-test-123" not in repr(settings) and "sk-test-123" not in str(settings.model_dump())


def test_defaults_are_the_embedded_deployment(monkeypatch):
    for name in ("HABLA_DATABASE_URL", "HABLA_REDIS_URL", "HABLA_LLM__FAST__MODEL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None and not settings.llm.fast.configured


def test_placeholder_secret_refused_outside_development(monkeypatch):
    monkeypatch.setenv("HABLA_LLM__FAST__API_KEY", "changeme")
    monkeypatch.setenv("HABLA_ENVIRONMENT", "production")
    with pytest.raises(ConfigurationError, match="HABLA_LLM__FAST__API_KEY"):
        Settings(_env_file=None)
    monkeypatch.setenv("HABLA_ENVIRONMENT", "development")
    assert Settings(_env_file=None).llm.fast.api_key.get_secret_value() == "changeme"


def test_env_example_documents_every_setting():
    documented = set(re.findall(r"^(HABLA_[A-Z_0-9]+)=", (ROOT / ".env.example").read_text(), re.M))

    def names(model, prefix):
        for field, info in model.model_fields.items():
            annotation = info.annotation
            if hasattr(annotation, "model_fields"):
                yield from names(annotation, f"{prefix}{field.upper()}__")
            else:
                yield f"{prefix}{(info.alias or field).upper()}"

    expected = set(names(Settings, "HABLA_"))
    assert expected - documented == set(), "settings missing from .env.example"
    assert documented - expected == set(), ".env.example names settings that do not exist"


def test_doctor_flags_half_configured_channels():
    from habla.channels.doctor import channel_checks

    [(name, ok, _)] = channel_checks(Settings(_env_file=None))
    assert (name, ok) == ("channels", True)
    half = Settings(_env_file=None, whatsapp={"app_secret": "s"}, twilio={"account_sid": "AC1", "auth_token": "t", "from": "whatsapp:+1"})
    (wa_name, wa_ok, wa_detail), (tw_name, tw_ok, tw_detail) = channel_checks(half)
    assert (wa_name, wa_ok, tw_name, tw_ok) == ("whatsapp", False, "twilio", False)
    assert "HABLA_WHATSAPP__ACCESS_TOKEN" in wa_detail and "HABLA_PUBLIC_URL" in tw_detail
    full = Settings(_env_file=None, public_url="https://h.example", twilio={"account_sid": "AC1", "auth_token": "t", "from": "whatsapp:+1"})
    assert channel_checks(full) == [("twilio", True, "sending as whatsapp:+1, webhook https://h.example/webhooks/twilio")]
