"""One settings object for the whole process.

Environment variables use the prefix ``HABLA_`` and ``__`` for nesting (``HABLA_LLM__FAST__MODEL``);
a ``.env`` file in the working directory is read too. Secrets are ``SecretStr`` so they never reach a log
or a repr. Outside ``development`` a placeholder secret (``changeme``…) refuses to start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from habla.errors import ConfigurationError

PLACEHOLDER_SECRETS = {"changeme", "change-me", "placeholder", "secret", "xxx", "your-key-here", "todo"}


class LLMTierSettings(BaseModel):
    """One model endpoint. A tier without ``model`` is simply not configured."""

    provider: Literal["openai", "anthropic"] = "openai"
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = 30.0
    max_retries: int = 1
    max_tokens: int = 600

    @property
    def configured(self) -> bool:
        return bool(self.model)


class LLMSettings(BaseModel):
    fast: LLMTierSettings = Field(default_factory=LLMTierSettings)
    smart: LLMTierSettings = Field(default_factory=LLMTierSettings)


class TutorSettings(BaseModel):
    default_target_language: str = "es"
    default_native_language: str = "en"
    default_level: str = "A2"
    recent_turns: int = 8
    max_input_chars: int = 2000


class BusSettings(BaseModel):
    namespace: str = "habla"  # Redis key prefix, so deployments can share one Redis
    shards: int = 8
    max_deliveries: int = 5
    lease_ms: int = 4000
    block_ms: int = 500
    retry_backoff_ms: int = 200
    stream_maxlen: int = 100_000


class ChannelSettings(BaseModel):
    text_chunk_chars: int = 1600


class SimulatorSettings(BaseModel):
    """A plain-JSON channel for load tests and integrations: POST in, replies POSTed to a callback URL."""

    callback_url: str | None = None
    token: SecretStr | None = None  # when set, inbound posts must carry it in X-Habla-Token

    @property
    def enabled(self) -> bool:
        return bool(self.callback_url)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HABLA_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./habla.db"
    redis_url: str | None = None
    log_level: str = "INFO"
    llm: LLMSettings = Field(default_factory=LLMSettings)
    tutor: TutorSettings = Field(default_factory=TutorSettings)
    bus: BusSettings = Field(default_factory=BusSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    simulator: SimulatorSettings = Field(default_factory=SimulatorSettings)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> "Settings":
        if self.environment == "development":
            return self
        for name, value in self._secrets():
            if value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ConfigurationError(f"{name} is a placeholder; set a real value or unset it")
        return self

    def _secrets(self) -> list[tuple[str, SecretStr]]:
        found: list[tuple[str, SecretStr]] = []
        for tier_name in ("fast", "smart"):
            key = getattr(self.llm, tier_name).api_key
            if key is not None:
                found.append((f"HABLA_LLM__{tier_name.upper()}__API_KEY", key))
        if self.simulator.token is not None:
            found.append(("HABLA_SIMULATOR__TOKEN", self.simulator.token))
        return found

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)
