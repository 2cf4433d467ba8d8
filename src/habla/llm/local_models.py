"""Which GGUF file the ``local`` provider runs: the recommended models, the models folder, and resolving names.

``HABLA_LLM__FAST__MODEL`` (or ``SMART``) with ``provider=local`` is a GGUF path, or the name of a
recommended model (``qwen2.5-3b``) that ``habla model pull`` put in the models folder. With no tier
configured at all, a model found in the models folder runs the fast tier: that is the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from habla.config import LocalLLMSettings
from habla.errors import ConfigurationError

# src/habla/llm/local_models.py → the checkout's root, where scripts/install.sh keeps its models too
REPO_MODELS = Path(__file__).resolve().parents[3] / ".models"


@dataclass(frozen=True)
class RecommendedModel:
    name: str
    repo: str  # on huggingface.co
    filename: str
    size_gb: float  # of the file, about
    ram_gb: float  # to run it with 2 slots of 4,096 tokens, about
    note: str

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.repo}/resolve/main/{self.filename}"


# Instruct models that follow a tutor's system prompt in Spanish, French, German… and emit JSON well.
# Q4_K_M: the usual size/quality balance for CPUs. The first one is what `habla model pull` takes by default.
RECOMMENDED: tuple[RecommendedModel, ...] = (
    RecommendedModel("qwen2.5-3b", "bartowski/Qwen2.5-3B-Instruct-GGUF", "Qwen2.5-3B-Instruct-Q4_K_M.gguf", 1.9, 3.0,
                     "default: good Spanish and JSON on a small server"),
    RecommendedModel("qwen2.5-7b", "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf", 4.7, 6.5,
                     "better corrections and explanations; wants 4+ cores"),
    RecommendedModel("llama3.2-3b", "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf", 2.0, 3.2,
                     "an alternative of the same size"),
    RecommendedModel("llama3.1-8b", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
                     4.9, 7.0, "the largest that is still practical on CPU"),
    RecommendedModel("qwen2.5-1.5b", "bartowski/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf", 1.0, 1.8,
                     "for 2 GB machines: fast, but a weaker tutor"),
)


def recommended(name: str) -> RecommendedModel | None:
    return next((model for model in RECOMMENDED if model.name == name.strip().lower()), None)


def models_dir(local: LocalLLMSettings) -> Path:
    return Path(local.models_dir).expanduser() if local.models_dir else REPO_MODELS


def how_to_get_one(local: LocalLLMSettings) -> str:
    """The two ways out, in one sentence (for `habla chat`, `habla doctor` and errors)."""
    return (
        f"run `habla model pull` to download a local model into {models_dir(local)}, or set "
        "HABLA_LLM__FAST__PROVIDER/BASE_URL/MODEL for an OpenAI-compatible or Anthropic endpoint"
    )


def resolve_model_path(model: str, local: LocalLLMSettings) -> Path:
    """The GGUF file a tier's ``model`` names; ConfigurationError (one clear line) when there is none."""
    known = recommended(model)
    candidates = [models_dir(local) / known.filename] if known else []
    path = Path(model).expanduser()
    candidates += [path, models_dir(local) / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    if known:
        raise ConfigurationError(f"{known.name} is not downloaded yet: run `habla model pull {known.name}`")
    raise ConfigurationError(f"no GGUF file at {path}: give a GGUF path in HABLA_LLM__*__MODEL, or {how_to_get_one(local)}")


def find_pulled(local: LocalLLMSettings) -> Path | None:
    """A model in the models folder: a recommended one first (in the table's order), then any other GGUF."""
    folder = models_dir(local)
    if not folder.is_dir():
        return None
    for model in RECOMMENDED:
        if (folder / model.filename).is_file():
            return folder / model.filename
    others = sorted(p for p in folder.glob("*.gguf") if p.is_file() and not p.name.endswith(".part"))
    return others[0] if others else None
