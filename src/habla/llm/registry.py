"""Provider name -> factory. SDKs and llama.cpp are imported inside the factories, so importing this module
costs nothing, and nothing is loaded before the first call."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from habla.config import LLMSettings, LLMTierSettings, LocalLLMSettings
from habla.errors import ConfigurationError
from habla.llm.base import LLM


def _openai(tier: LLMTierSettings, local: LocalLLMSettings) -> LLM:
    from habla.llm.openai_compat import OpenAICompatLLM

    return OpenAICompatLLM(model=str(tier.model), base_url=tier.base_url, api_key=_key(tier))


def _anthropic(tier: LLMTierSettings, local: LocalLLMSettings) -> LLM:
    from habla.llm.anthropic_provider import AnthropicLLM

    return AnthropicLLM(model=str(tier.model), base_url=tier.base_url, api_key=_key(tier))


def _local(tier: LLMTierSettings, local: LocalLLMSettings) -> LLM:
    from habla.llm.local import LocalLLM
    from habla.llm.local_engine import NEEDS_XLLAMACPP
    from habla.llm.local_models import resolve_model_path

    if importlib.util.find_spec("xllamacpp") is None:  # found now, loaded at the first call
        raise ConfigurationError(NEEDS_XLLAMACPP)
    return LocalLLM(path=resolve_model_path(str(tier.model), local), local=local, model=str(tier.model))


def _key(tier: LLMTierSettings) -> str | None:
    return tier.api_key.get_secret_value() if tier.api_key is not None else None


FACTORIES: dict[str, Callable[[LLMTierSettings, LocalLLMSettings], LLM]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "local": _local,
}


def build_llm(tier_settings: LLMTierSettings, local: LocalLLMSettings | None = None) -> LLM | None:
    """The tier's model client, or None when the tier is not configured (no model set)."""
    if not tier_settings.configured:
        return None
    factory = FACTORIES.get(tier_settings.provider)
    if factory is None:
        known = ", ".join(sorted(FACTORIES))
        raise ConfigurationError(f"unknown LLM provider {tier_settings.provider!r}; expected one of {known}")
    return factory(tier_settings, local or LocalLLMSettings())


def effective_settings(settings: LLMSettings) -> LLMSettings:
    """The settings as given; when no tier is configured, the fast tier runs a model found in the models folder.

    That is the embedded default: `habla model pull`, then `habla chat`, with nothing to set. The tier keeps
    its other settings (timeout, max tokens) from HABLA_LLM__FAST__*.
    """
    if settings.fast.configured or settings.smart.configured or not settings.local.auto_detect:
        return settings
    if importlib.util.find_spec("xllamacpp") is None:
        return settings
    from habla.llm.local_models import find_pulled

    pulled = find_pulled(settings.local)
    if pulled is None:
        return settings
    fast = settings.fast.model_copy(update={"provider": "local", "model": str(pulled), "base_url": None, "api_key": None})
    return settings.model_copy(update={"fast": fast})
