"""Every ``HABLA_…`` name the code shows an operator (doctor lines, errors, docstrings) is a real setting.

The messages name settings literally because that is what an operator types; this test is what keeps
those names true when a setting is renamed or moved (it fails on the stale name, not in production).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from habla.config import Settings

SRC = Path(__file__).resolve().parents[1] / "src" / "habla"
NAME = re.compile(r"HABLA_[A-Z0-9_]*[A-Z0-9]|HABLA_[A-Z0-9_]+__")
NOT_SETTINGS = {"HABLA_TEST_DATABASE_URL", "HABLA_TEST_REDIS_URL"}  # the test command's own variables


def _resolves(name: str) -> bool:
    """HABLA_LLM__FAST__MODEL → llm.fast.model; a name ending in "__" (a prefix) must name a settings group."""
    path = name.removeprefix("HABLA_").lower().split("__")
    model: type[BaseModel] = Settings
    for index, part in enumerate(path):
        if part == "" and index == len(path) - 1:
            return True  # "HABLA_LLM__": the group itself
        fields = {(f.alias or key): f for key, f in model.model_fields.items()}  # HABLA_TWILIO__FROM is from_'s alias
        field = fields.get(part) or model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif index != len(path) - 1:
            return False
    return not name.endswith("__")


def test_every_setting_named_in_the_code_exists():
    named = {
        (match.group(0), str(path.relative_to(SRC)))
        for path in SRC.rglob("*.py")
        for match in NAME.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 30  # the scan sees the code
    stale = sorted((name, where) for name, where in named if name not in NOT_SETTINGS and not _resolves(name))
    assert stale == []


def test_a_renamed_setting_would_be_caught():
    assert _resolves("HABLA_LLM__FAST__MODEL") and _resolves("HABLA_LLM__") and _resolves("HABLA_PUBLIC_URL")
    assert not _resolves("HABLA_LLM__FAST__MODLE") and not _resolves("HABLA_WHATSAPP__TOKEN")
