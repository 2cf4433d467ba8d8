"""Shared set-up of the tutor's tests: the conjugation libraries loaded once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def conjugation_libraries():
    """verbecc trains its template predictor on first use of a language (scripts/install.sh does it on a
    real install); here it happens at most once, before the tests that need it, never inside one."""
    from habla.pedagogy.conjugation import LANGUAGES, warm

    warm(LANGUAGES)
