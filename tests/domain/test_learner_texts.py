"""Every learner-facing catalogue has one shape: language code -> text, English always there, and the same
placeholders in every language (a translation that drops ``{count}`` or misspells it fails here, not in a
learner's chat). Found by walking the modules that talk to learners, so a new catalogue is checked too."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import habla.agents
import habla.domain
import habla.pedagogy


def _modules():
    for package in (habla.domain, habla.pedagogy, habla.agents):
        for info in pkgutil.iter_modules(package.__path__):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def _is_language_table(value) -> bool:
    return (isinstance(value, dict) and "en" in value and len(value) > 1
            and all(isinstance(k, str) and len(k) == 2 and k.islower() for k in value)
            and all(isinstance(v, str) for v in value.values()))


def _by_language(value) -> bool:
    """The other way round: language code -> {name -> text} (onboarding keeps a block per language)."""
    return (isinstance(value, dict) and "en" in value and len(value) > 1
            and all(isinstance(k, str) and len(k) == 2 and k.islower() for k in value)
            and all(isinstance(v, dict) and v and all(isinstance(t, str) for t in v.values()) for v in value.values()))


def _tables():
    """(where, table) for every language table at module level, alone or one level inside a dict."""
    for module in _modules():
        for name, value in vars(module).items():
            if _is_language_table(value):
                yield f"{module.__name__}.{name}", value
            elif _by_language(value):
                for key in value["en"]:
                    yield f"{module.__name__}.{name}[*][{key!r}]", {code: texts.get(key) for code, texts in value.items()}
            elif isinstance(value, dict):
                for key, inner in value.items():
                    if _is_language_table(inner):
                        yield f"{module.__name__}.{name}[{key!r}]", inner


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


TABLES = dict(_tables())


def test_the_catalogues_are_found():
    assert len(TABLES) >= 20, sorted(TABLES)
    assert any(where.startswith("habla.domain.notices") for where in TABLES)
    assert any(where.startswith("habla.pedagogy.words") for where in TABLES)
    assert any(where.startswith("habla.domain.onboarding_text") for where in TABLES)


def test_a_text_may_name_its_own_language_placeholder():
    from habla.domain.text import in_language

    assert in_language({"en": "in {language}", "es": "en {language}"}, "es", language="inglés") == "en inglés"


@pytest.mark.parametrize("where", sorted(TABLES))
def test_every_language_has_the_placeholders_of_english(where):
    table = TABLES[where]
    missing = sorted(code for code, text in table.items() if text is None)
    assert not missing, f"{where}: no text in {missing}"
    english = _placeholders(table["en"])
    different = {language: sorted(_placeholders(text) ^ english) for language, text in table.items()
                 if _placeholders(text) != english}
    assert not different, f"{where}: placeholders differ from English: {different}"
    assert "es" in table, f"{where}: no Spanish (the first language pair Habla teaches)"
