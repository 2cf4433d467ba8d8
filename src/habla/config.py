"""One settings object for the whole process.

Environment variables use the prefix ``HABLA_`` and ``__`` for nesting (``HABLA_LLM__FAST__MODEL``);
a ``.env`` file in the working directory is read too. Secrets are ``SecretStr`` so they never reach a log
or a repr. Outside ``development`` a placeholder secret (``changeme``…) refuses to start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
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


class WhatsAppSettings(BaseModel):
    """Meta's WhatsApp Cloud API. On when an access token and a phone number id are set."""

    verify_token: SecretStr | None = None  # the webhook handshake's hub.verify_token
    app_secret: SecretStr | None = None  # signs every webhook POST (X-Hub-Signature-256)
    access_token: SecretStr | None = None
    phone_number_id: str | None = None
    api_base: str = "https://graph.facebook.com/v21.0"
    # Outside the 24-hour customer-service window only an approved template may go out.
    reengagement_template: str = "habla_reengage"
    template_language: str = "en"
    media_max_bytes: int = 16 * 1024 * 1024
    media_timeout_s: float = 20.0
    send_timeout_s: float = 15.0

    @property
    def enabled(self) -> bool:
        return bool(self.access_token and self.phone_number_id)


class TwilioSettings(BaseModel):
    """Twilio's WhatsApp sender. On when the account sid, auth token and sender are set."""

    account_sid: str | None = None
    auth_token: SecretStr | None = None
    from_: str | None = Field(default=None, alias="from")  # e.g. whatsapp:+14155238886
    api_base: str = "https://api.twilio.com"
    # Twilio sends templates as Content API items; outside the 24-hour window this one goes out.
    reengagement_content_sid: str | None = None
    media_max_bytes: int = 16 * 1024 * 1024
    media_timeout_s: float = 20.0
    send_timeout_s: float = 15.0

    model_config = ConfigDict(populate_by_name=True)

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_)


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
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    public_url: str | None = None  # how providers reach us; Twilio signs requests against it
    media_dir: str = "./media"  # learners' voice notes and images, one folder per learner

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
        for name, value in (
            ("HABLA_WHATSAPP__VERIFY_TOKEN", self.whatsapp.verify_token),
            ("HABLA_WHATSAPP__APP_SECRET", self.whatsapp.app_secret),
            ("HABLA_WHATSAPP__ACCESS_TOKEN", self.whatsapp.access_token),
            ("HABLA_TWILIO__AUTH_TOKEN", self.twilio.auth_token),
        ):
            if value is not None:
                found.append((name, value))
        if self.simulator.token is not None:
            found.append(("HABLA_SIMULATOR__TOKEN", self.simulator.token))
        return found

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)
