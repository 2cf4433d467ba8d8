"""Every error Habla raises on purpose descends from one root, so callers can catch ours, not everyone's.

    HablaError
    ├── ConfigurationError        a setting is missing, a placeholder, or contradictory
    ├── StorageError              the database refused or is unreachable
    ├── BusError                  the bus could not publish or consume
    ├── LLMError                  a model call failed
    │   ├── LLMNotConfigured      no tier has an endpoint
    │   ├── LLMUnavailable        every tier failed after retries and fallback
    │   └── LLMBadResponse        the endpoint answered something unusable (garbage, empty)
    │       └── LLMInvalidOutput  a structured answer failed validation twice (complete_json)
    ├── ChannelError              a transport refused a message or a webhook
    │   ├── SignatureError        a webhook's signature is missing or wrong
    │   ├── OutsideWindowError    the 24-hour window is closed: only a template may go out
    │   ├── ChannelRateLimited    the provider asked us to slow down (retry_after_s)
    │   ├── ChannelAuthError      our credentials were refused: the operator must act; never retried
    │   └── MediaError            media could not be fetched (timeout, gone, refused)
    │       └── MediaTooLarge     the media is over the size limit (declared or counted)
    ├── BillingError              a payment could not be handled (habla.billing)
    │   └── PaymentProviderError  Stripe's API refused a call or could not be reached
    └── VoiceError                a voice note could not be turned into text (``reason`` names why)
        ├── AudioTooLarge / AudioTooLong / AudioEmpty / AudioCorrupt / AudioUnsupported / NoSpeech
        ├── VoiceModelUnavailable the speech model is missing or failed to load
        └── SynthesisError        a voice note could not be spoken (TTS engine missing or failed)
"""


class HablaError(Exception):
    """Root of every error Habla raises on purpose."""


class ConfigurationError(HablaError):
    pass


class StorageError(HablaError):
    pass


class BusError(HablaError):
    pass


class LLMError(HablaError):
    """``kind`` names the failure in a word (timeout, rate_limited, server_error, connection, bad_request,
    bad_response, auth, not_configured, unavailable) so the router can decide to retry and records can say
    what happened without carrying a provider's message."""

    kind: str = "error"

    def __init__(self, message: str = "", kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class LLMNotConfigured(LLMError):
    kind = "not_configured"


class LLMUnavailable(LLMError):
    kind = "unavailable"


class LLMBadResponse(LLMError):
    kind = "bad_response"


class LLMInvalidOutput(LLMBadResponse):
    """The model answered, but not with JSON of the asked shape, even after being shown the error."""

    kind = "invalid_output"


class ChannelError(HablaError):
    pass


class SignatureError(ChannelError):
    pass


class OutsideWindowError(ChannelError):
    pass


class ChannelRateLimited(ChannelError):
    def __init__(self, message: str = "", retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ChannelAuthError(ChannelError):
    pass


class MediaError(ChannelError):
    pass


class MediaTooLarge(MediaError):
    pass


class BillingError(HablaError):
    pass


class PaymentProviderError(BillingError):
    pass


class VoiceError(HablaError):
    """``reason`` is a stable word for the learner-facing notice (see domain/voice_text.py)."""

    reason: str = "error"


class AudioTooLarge(VoiceError):
    reason = "too_big"


class AudioTooLong(VoiceError):
    reason = "too_long"


class AudioEmpty(VoiceError):
    reason = "empty"


class AudioCorrupt(VoiceError):
    reason = "corrupt"


class AudioUnsupported(VoiceError):
    reason = "unsupported"


class NoSpeech(VoiceError):
    reason = "silent"


class VoiceModelUnavailable(VoiceError):
    reason = "model_unavailable"


class SynthesisError(VoiceError):
    reason = "synthesis"

