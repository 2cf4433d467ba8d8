"""The command rules: what each supported phrasing reads as, clock times in six languages, and the ordinary
sentences (several naming verbs, words, mistakes or reminders) that must stay conversation."""

from __future__ import annotations

import pytest

from habla.domain.clock_times import clock_times
from habla.domain.commands import Command, might_be_request, parse

COMMANDS = [
    # grammar tables
    ("show me verbs", Command(kind="verb")), ("zeig mir die Verben", Command(kind="verb")),
    ("Show me the verb comer", Command(kind="verb", verb="comer")), ("el verbo comer", Command(kind="verb", verb="comer")),
    ("conjugate to be", Command(kind="verb", verb="to be")), ("conjuga sonreír", Command(kind="verb", verb="sonreír")),
    ("le verbe aller", Command(kind="verb", verb="aller")), ("coniuga essere", Command(kind="verb", verb="essere")),
    ("konjugiere sein", Command(kind="verb", verb="sein")), ("conjugue se lever", Command(kind="verb", verb="se lever")),
    ("the articles", Command(kind="table", table="articles")), ("Los artículos", Command(kind="table", table="articles")),
    ("gli articoli", Command(kind="table", table="articles")), ("die Artikel", Command(kind="table", table="articles")),
    ("show me the pronouns", Command(kind="table", table="pronouns")), ("os pronomes", Command(kind="table", table="pronouns")),
    # the learner's own data
    ("show me my words", Command(kind="words")), ("Please show me my words!", Command(kind="words")),
    ("mis palabras", Command(kind="words")), ("mes mots", Command(kind="words")), ("meine Wörter", Command(kind="words")),
    ("my mistakes", Command(kind="mistakes")), ("mis errores", Command(kind="mistakes")), ("mes erreurs", Command(kind="mistakes")),
    ("i miei errori", Command(kind="mistakes")), ("meine Fehler", Command(kind="mistakes")),
    ("my progress", Command(kind="progress")), ("¿Cómo voy?", Command(kind="progress")), ("mes progrès", Command(kind="progress")),
    ("i miei progressi", Command(kind="progress")), ("o meu progresso", Command(kind="progress")),
    ("mein Fortschritt", Command(kind="progress")),
    # reminders
    ("remind me at 8", Command(kind="remind", times=["08:00"])),
    ("remind me at 7:30 and 19:00", Command(kind="remind", times=["07:30", "19:00"])),
    ("remind me at 8pm", Command(kind="remind", times=["20:00"])),
    ("recuérdame a las 8 de la tarde", Command(kind="remind", times=["20:00"])),
    ("rappelle-moi à 8h30", Command(kind="remind", times=["08:30"])),
    ("ricordami alle 8", Command(kind="remind", times=["08:00"])),
    ("lembra-me às 19h", Command(kind="remind", times=["19:00"])),
    ("erinnere mich um 8 Uhr abends", Command(kind="remind", times=["20:00"])),
    ("remind me", Command(kind="remind")),
    ("stop reminders", Command(kind="stop_reminders")), ("no más recordatorios", Command(kind="stop_reminders")),
    ("arrête les rappels", Command(kind="stop_reminders")), ("basta promemoria", Command(kind="stop_reminders")),
    ("sem lembretes", Command(kind="stop_reminders")), ("keine Erinnerungen mehr", Command(kind="stop_reminders")),
    # level and strictness
    ("easier", Command(kind="easier")), ("make it easier please", Command(kind="easier")),
    ("más fácil", Command(kind="easier")), ("mas facil", Command(kind="easier")), ("plus facile", Command(kind="easier")),
    ("più facile", Command(kind="easier")), ("einfacher", Command(kind="easier")),
    ("harder", Command(kind="harder")), ("más difícil", Command(kind="harder")), ("etwas schwieriger", Command(kind="harder")),
    ("gentler", Command(kind="gentler")), ("menos estricto", Command(kind="gentler")), ("weniger streng", Command(kind="gentler")),
    ("stricter", Command(kind="stricter")), ("más estricto", Command(kind="stricter")), ("corrige tout", Command(kind="stricter")),
    # explanation language and help
    ("explanations in Spanish", Command(kind="explanations", language="es")),
    ("explicaciones en inglés", Command(kind="explanations", language="en")),
    ("explications en allemand", Command(kind="explanations", language="de")),
    ("Erklärungen auf Deutsch", Command(kind="explanations", language="de")),
    ("help", Command(kind="help")), ("ayuda", Command(kind="help")), ("aide", Command(kind="help")),
    ("what can you do?", Command(kind="help")), ("was kannst du?", Command(kind="help")),
]

# what a learner writes to a tutor in conversation: none of it is a command
CONVERSATION = [
    "I like to show my friends Spanish verbs",
    "Hola, ¿qué tal?",
    "Ayer comí en la playa con mis amigos.",
    "My words are not enough to thank you",
    "Los verbos irregulares son difíciles",
    "Je dois apprendre mes mots pour demain",
    "Mi hermano siempre me ayuda con los deberes",
    "explain in detail",
    "Fácil",
    "simple",
    "Stop!",
    "Help my brother with his homework, he is lost, please tell me how to do it",
    "Remind me what we talked about yesterday",
    "8pm",
    "Mis errores de ayer fueron muchos pero aprendí",
    "Yes",
    "a",
    "",
    "   ",
    "🙂",
]


@pytest.mark.parametrize(("text", "expected"), COMMANDS, ids=[text for text, _ in COMMANDS])
def test_each_phrasing_reads_as_its_command(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", CONVERSATION)
def test_ordinary_messages_are_not_commands(text):
    assert parse(text) is None


def test_a_reminder_keeps_its_time_words_and_nothing_else():
    assert parse("remind me every day at 8 in the evening") == Command(kind="remind", times=["20:00"])
    assert parse("recuérdame todos los días a las 8") == Command(kind="remind", times=["08:00"])
    assert parse("remind me at 8 to call my mother") is None  # more than a reminder time: conversation


@pytest.mark.parametrize(("text", "times"), [
    ("at 8", ["08:00"]), ("7:30", ["07:30"]), ("20:00", ["20:00"]), ("8pm", ["20:00"]), ("8 p.m.", ["20:00"]),
    ("12am", ["00:00"]), ("12pm", ["12:00"]), ("a las 8", ["08:00"]), ("a las 9 de la noche", ["21:00"]),
    ("à 8h", ["08:00"]), ("à 19h45", ["19:45"]), ("à 7h du soir", ["19:00"]), ("alle 8", ["08:00"]),
    ("alle 8 di sera", ["20:00"]), ("às 8 da noite", ["20:00"]), ("um 8 Uhr", ["08:00"]), ("7.15", ["07:15"]),
    ("at 7:30 and 19:00", ["07:30", "19:00"]), ("at 25:00", []), ("at 8:75", []), ("no time", []),
])
def test_clock_times_in_each_language(text, times):
    assert clock_times(text) == times


def test_only_short_messages_about_the_tutor_might_be_requests():
    assert might_be_request("could I get the conjugation table for ser?")
    assert might_be_request("what's my level now")
    assert not might_be_request("Hola, ¿qué tal?")
    assert not might_be_request("I like to show my friends Spanish verbs")
    assert not might_be_request("Me gusta enseñar verbos españoles a mis amigos")
    assert not might_be_request("Ayer fui al cine con mi hermana y vimos una película muy buena")
    long_one = "I have been thinking a lot about my mistakes lately and I wonder if I could ever speak well"
    assert not might_be_request(long_one)



@pytest.mark.parametrize(("text", "place"), [
    ("my time zone is London", "london"), ("My timezone is Europe/London", "europe london"),
    ("zona horaria: Bogotá", "bogotá"), ("mi zona horaria es Madrid", "madrid"), ("Zeitzone Berlin", "berlin"),
    ("il mio fuso orario è Roma", "roma"), ("mon fuseau horaire est Paris", "paris"),
    ("timezone Narnia", "narnia"),  # an explicit request: answered with a question, never conversation
])
def test_naming_a_time_zone_is_a_request(text, place):
    assert parse(text) == Command(kind="timezone", place=place)


@pytest.mark.parametrize("text", ["Vivo en Madrid", "I'm in London now", "je suis à Paris", "ich wohne in Berlin"])
def test_saying_where_one_lives_is_practice_not_a_command(text):
    assert parse(text) is None
