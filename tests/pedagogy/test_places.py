"""Place names to time zones from tzdata and CLDR (Babel): cities in six languages, one-clock countries, and
the countries whose clocks differ, which are ambiguous rather than guessed."""

from __future__ import annotations

import pytest

from habla.pedagogy import places
from habla.pedagogy.places import Place


@pytest.mark.parametrize(("name", "zone"), [
    ("London", "Europe/London"), ("Londres", "Europe/London"), ("nueva york", "America/New_York"),
    ("São Paulo", "America/Sao_Paulo"), ("sao paulo", "America/Sao_Paulo"), ("Ciudad de México", "America/Mexico_City"),
    ("Tokio", "Asia/Tokyo"), ("Moscú", "Europe/Moscow"), ("europe london", "Europe/London"),
    ("america new_york", "America/New_York"),
    ("Japan", "Asia/Tokyo"), ("Japón", "Asia/Tokyo"), ("Francia", "Europe/Paris"), ("the Netherlands", "Europe/Amsterdam"),
    ("Germany", "Europe/Berlin"),  # two zones (Berlin, Busingen), one clock
])
def test_cities_and_one_clock_countries_have_their_zone(name, zone):
    assert places.place(name) == Place(zone)


@pytest.mark.parametrize("name", ["Spain", "España", "the United States", "Brasil", "Australia"])
def test_a_country_whose_clocks_differ_is_ambiguous(name):
    assert places.place(name) == Place(None, ambiguous=True)


@pytest.mark.parametrize("name", ["casa", "the kitchen", "love", "work", "", "a very long name of five words"])
def test_what_is_no_place_is_none(name):
    assert places.place(name) is None


def test_a_place_mentioned_in_a_sentence_is_found():
    assert places.mentioned("8:00, but I'm in London") == Place("Europe/London")
    assert places.mentioned("a las 8, vivo en Nueva York") == Place("America/New_York")
    assert places.mentioned("at 8 in the morning") is None
