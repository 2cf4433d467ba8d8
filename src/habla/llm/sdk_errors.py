"""The SDK errors of the OpenAI and Anthropic clients as Habla's LLM errors, mapped in one place.

Both SDKs are generated from the same template and raise the same family of exceptions (``APITimeoutError``
under ``APIConnectionError``, ``APIStatusError`` with ``status_code``, ``APIResponseValidationError``), so one
mapping serves both; each provider passes its own SDK module. The router decides retry and fallback from
``LLMError.kind`` alone, never from a driver's exception type.
"""

from __future__ import annotations

import logging
from types import ModuleType

from habla.errors import LLMBadResponse, LLMError

log = logging.getLogger(__name__)


def kind_for_status(status: int) -> str:
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"
    if status == 429:
        return "rate_limited"
    if status >= 500:  # includes Anthropic's 529 "overloaded"
        return "server_error"
    return "bad_request"


def map_sdk_error(sdk: ModuleType, err: Exception, model: str, schema: str) -> LLMError:
    """``err`` (raised by the ``sdk`` module's client for ``model``) as an LLMError; ``schema`` names what the
    reply should have matched, for the message."""
    if isinstance(err, sdk.APITimeoutError):  # before APIConnectionError: it is one
        return LLMError(f"{model}: timed out", kind="timeout")
    if isinstance(err, sdk.APIConnectionError):
        return LLMError(f"{model}: connection failed", kind="connection")
    if isinstance(err, sdk.APIStatusError):
        kind = kind_for_status(err.status_code)
        return LLMError(f"{model}: HTTP {err.status_code} ({kind})", kind=kind)
    if isinstance(err, sdk.APIResponseValidationError):
        return LLMBadResponse(f"{model}: reply does not match the {schema} schema")
    log.debug("unexpected %s SDK error %s", sdk.__name__, type(err).__name__)
    return LLMError(f"{model}: {type(err).__name__}", kind="error")
