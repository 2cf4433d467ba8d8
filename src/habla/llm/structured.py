"""Structured outputs: a pydantic model in, a validated instance out, on every provider.

Each provider asks for JSON in the strongest way its endpoint understands (``JsonSpec`` carries the schema in
the forms they need):

- OpenAI-compatible: ``response_format`` ``json_schema`` with ``strict: true``; an endpoint that refuses it
  gets ``json_object``, then plain prompting (the schema in the system message) and parsing;
- Anthropic: a forced tool whose ``input_schema`` is the schema;
- local (llama.cpp): a grammar made from the schema, so even a tiny model can only emit JSON of that shape.

Whatever came back is validated with pydantic here. The router (``LLMRouter.complete_json``) gives the model
one more try that shows it the validation error, then raises ``LLMInvalidOutput``: callers leave their state
untouched.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from habla.domain.chat import ChatMessage, Completion, Tier

T = TypeVar("T", bound=BaseModel)

# Keywords OpenAI's strict mode refuses; pydantic still enforces them when the answer is validated.
_STRICT_UNSUPPORTED = ("minLength", "maxLength", "default", "title")
ERROR_CHARS = 1200  # how much of a validation error the retry shows the model


@dataclass(frozen=True)
class JsonSpec:
    """One schema in the shapes providers need."""

    name: str  # a function/schema name: ^[a-zA-Z0-9_-]{1,64}$
    description: str
    strict: dict[str, Any]  # every property required, additionalProperties false, no length keywords
    constrained: dict[str, Any]  # the same with lengths kept: a grammar enforces them while generating

    @property
    def hint(self) -> str:
        """What a provider without native structured output puts in the system message."""
        return (
            "Answer with ONE JSON object and nothing else (no prose, no code fence). It must validate against "
            f"this JSON schema:\n{json.dumps(self.strict, ensure_ascii=False, separators=(',', ':'))}"
        )


@functools.lru_cache(maxsize=64)
def spec_for(model: type[BaseModel]) -> JsonSpec:
    schema = model.model_json_schema()
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", model.__name__)[:64] or "answer"
    description = " ".join((model.__doc__ or f"A {model.__name__}").split())[:500]
    return JsonSpec(
        name=name,
        description=description,
        strict=_strictify(schema, drop=_STRICT_UNSUPPORTED),
        constrained=_strictify(schema, drop=("default", "title")),
    )


def _strictify(schema: dict[str, Any], *, drop: tuple[str, ...]) -> dict[str, Any]:
    """Every object closed and every property required, as OpenAI's strict mode demands.

    A field with a default becomes required too: the model then writes the empty list or null the default
    would have been, which validates to the same thing.
    """
    result = copy.deepcopy(schema)

    def walk(node: Any, names: bool = False) -> None:
        """``names``: ``node`` maps field or definition names to schemas (a field may be called "title")."""
        if isinstance(node, dict):
            if not names:
                for key in drop:
                    node.pop(key, None)
                if node.get("type") == "object" and isinstance(node.get("properties"), dict):
                    node["required"] = list(node["properties"])
                    node["additionalProperties"] = False
            for key, value in node.items():
                walk(value, names=not names and key in ("properties", "$defs"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(result)
    return result


def with_hint(messages: list[ChatMessage], spec: JsonSpec) -> list[ChatMessage]:
    """The messages with the schema appended to the system message (one is added when there is none)."""
    if messages and messages[0].role == "system":
        return [ChatMessage("system", f"{messages[0].content}\n\n{spec.hint}"), *messages[1:]]
    return [ChatMessage("system", spec.hint), *messages]


class InvalidAnswer(ValueError):
    """Why an answer was refused, in words the model can act on."""


def extract_object(text: str) -> dict[str, Any]:
    """The one JSON object in an answer: bare, in a code fence, or wrapped in a sentence."""
    stripped = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, re.S)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except ValueError:
        start, end = stripped.find("{"), stripped.rfind("}")
        if start < 0 or end <= start:
            raise InvalidAnswer("the answer contains no JSON object") from None
        try:
            data = json.loads(stripped[start : end + 1])
        except ValueError as err:
            raise InvalidAnswer(f"the answer is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidAnswer(f"the answer is JSON {type(data).__name__}, not an object")
    return data


def validate(text: str, model: type[T]) -> T:
    """The answer as a ``model`` instance; ``InvalidAnswer`` says what is wrong otherwise."""
    data = extract_object(text)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidAnswer(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    lines = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()[:12]]
    return ("the JSON does not match the schema:\n" + "\n".join(lines))[:ERROR_CHARS]


def retry_messages(messages: list[ChatMessage], answer: str, problem: str) -> list[ChatMessage]:
    """The original request, the refused answer, and what was wrong with it."""
    return [
        *messages,
        ChatMessage("assistant", answer[:4000]),
        ChatMessage(
            "user",
            f"That answer was refused: {problem}\nAnswer again with ONE corrected JSON object of the required "
            "shape, and nothing else.",
        ),
    ]


@dataclass(frozen=True)
class Structured(Generic[T]):
    """A validated answer, the tier that wrote it, and how many answers it took (1 or 2)."""

    value: T
    tier: Tier
    attempts: int
    completion: Completion
