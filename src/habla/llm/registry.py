"""Provider name -> factory. SDKs are imported inside the factories, so importing this module costs nothing."""

from __future__ import annotations

from collections.abc import Callable

from habla.config import LLMTierSettings
from habla.errors import ConfigurationError
from habla.llm.base import LLM


def _openai(tier: LLMTierSettings) -> LLM:
    from habla.llm.openai_compat import OpenAICompatLLM

    return OpenAICompatLLM(model=str(tier.model), base_url=tier.base_url, api_key=_key(tier))


def _anthropic(tier: LLMTierSettings) -> LLM:
    from habla.llm.anthropic_provider import AnthropicLLM

    return AnthropicLLM(model=str(tier.model), base_url=tier.base_url, api_key=_key(tier))


def _key(tier: LLMTierSettings) -> str | None:
    return tier.api_key.get_secret_value() if tier.api_key is not None else None


FACTORIES: dict[str, Callable[[LLMTierSettings], LLM]] = {
    "openai": _openai,
    "anthropic": _anthropic,
}


def build_llm(tier_settings: LLMTierSettings) -> LLM | None:
    """The tier's model client, or None when the tier is not configured (no model set)."""
    if not tier_settings.configured:
        return None
    factory = FACTORIES.get(tier_settings.provider)
    if factory is None:
        known = ", ".join(sorted(FACTORIES))
        raise ConfigurationError(f"unknown LLM provider {tier_settings.provider!r}; expected one of {known}")
    return factory(tier_settings)
