"""When recall runs, how terms are normalised, and how the prompt stays bounded."""

from __future__ import annotations

from habla.domain.context import SessionView, build_prompt, corrections_in, prompt_tokens
from habla.domain.learner import Profile
from habla.domain.profile import Fact
from habla.domain.recall import Candidate, rank, refers_to_past, terms


def test_questions_about_the_past_are_recognised_in_several_languages():
    for text in ["Do you remember the recipe we talked about?", "¿Te acuerdas de la receta?", "Recuerdas lo que te conté",
                 "La última vez hablamos de cocina", "what did I tell you last week", "Tu te souviens de mon chien ?"]:
        assert refers_to_past(text), text
    for text in ["Hola, ¿qué tal?", "Quiero aprender el subjuntivo", "I like cooking"]:
        assert not refers_to_past(text), text


def test_terms_fold_accents_plurals_and_stop_words():
    assert terms("¿Te acuerdas de las RECETAS de mi abuela?") == {"recet", "abuel"}
    assert terms("la receta") <= terms("recetas y más recetas")


def test_rank_combines_vectors_with_multilingual_keywords():
    candidates = [
        Candidate("recipe", cosine=0.05, terms=" abuel grand gazpa recet recip ", importance=2),
        Candidate("football", cosine=0.10, terms=" futbo footb match partido ", importance=1),
    ]
    assert [memory_id for memory_id, _ in rank(terms("¿Te acuerdas de la receta?"), candidates, 3)] == ["recipe"]
    assert rank(terms("¿Qué tiempo hace?"), candidates, 3) == []  # nothing relevant: recall nothing


def test_prompt_size_is_bounded_however_long_the_session():
    profile = Profile(facts=[Fact(key="home_city", value="Lima", since=1)], interests=["cooking"] * 30)
    long_session = SessionView(messages=[("user" if i % 2 == 0 else "assistant", "palabra " * 60) for i in range(400)],
                               summary="s" * 5000, errors=["a → b"] * 50, topic="t" * 500)
    short_session = SessionView(messages=[("user", "hola"), ("assistant", "¡hola!")])
    recalled = [(0.0, "m" * 2000)] * 3
    big = prompt_tokens(build_prompt(profile, long_session, "hola", recalled=recalled, history_tokens=900))
    small = prompt_tokens(build_prompt(profile, short_session, "hola", history_tokens=900))
    assert small < big <= 2000


def test_history_never_opens_with_the_tutor():
    session = SessionView(messages=[("assistant", "x" * 3000), ("user", "hola"), ("assistant", "¡hola!")])
    messages = build_prompt(Profile(), session, "¿qué tal?", history_tokens=50)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]


def test_corrections_become_session_errors():
    reply = "✏️ _yo soy cansado_ → *yo estoy cansado* (estar for states)\n¡Descansa un poco!"
    assert corrections_in(reply) == ["yo soy cansado → yo estoy cansado"]
    assert corrections_in("¡Muy bien!") == []
