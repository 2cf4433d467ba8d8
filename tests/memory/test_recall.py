"""Recall on both deployments: per-learner isolation, cross-language questions, pruning."""

from __future__ import annotations

import hashlib
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habla.domain.recall import terms_field
from habla.storage.memories import NewMemory

_ids = itertools.count()


async def _remember(store, memory, learner_id, text, keywords=(), *, importance=1.0, created_at=1000.0, kind="moment"):
    vector = (await memory.embedder.embed([text]))[0]
    memory_id = hashlib.sha256(f"{learner_id}:{text}:{next(_ids)}".encode()).hexdigest()[:32]
    await store.add_memories(
        [NewMemory(memory_id, learner_id, kind, text, terms_field([text, *keywords]), importance, created_at, vector,
                   memory.embedder.model_id)],
        max_per_learner=1000,
    )
    return memory_id


MEMORIES = [
    ("The learner shared their grandmother's gazpacho recipe: tomatoes, cucumber, garlic, bread and olive oil.",
     ["recipe", "receta", "gazpacho", "grandmother", "abuela", "cooking", "cocina", "tomato", "tomate"]),
    ("The learner plays football every Sunday and supports Real Betis.",
     ["football", "fútbol", "Sunday", "domingo", "Betis", "team", "equipo"]),
    ("The learner is planning a trip to Barcelona in May with their sister.",
     ["trip", "viaje", "Barcelona", "May", "mayo", "sister", "hermana", "travel", "viajar"]),
    ("The learner struggled with the subjunctive after 'espero que' and practised it.",
     ["subjunctive", "subjuntivo", "espero que", "grammar", "gramática"]),
]


async def _seed(store, memory):
    learner = await store.learner("console", "maria")
    ids = [await _remember(store, memory, learner.id, text, keywords) for text, keywords in MEMORIES]
    return learner, ids


async def test_a_question_in_spanish_finds_the_english_memory(memory_env):
    _, store, memory = memory_env
    learner, ids = await _seed(store, memory)
    for question, expected in [
        ("¿Te acuerdas de la receta de mi abuela?", ids[0]),
        ("¿Recuerdas adónde quería viajar con mi hermana?", ids[2]),
        ("¿Te acuerdas de mi equipo de fútbol?", ids[1]),
    ]:
        found = await memory.recall.search(learner.id, question, k=3)
        assert found and found[0].id == expected, (question, found)


async def test_a_question_in_english_finds_it_too(memory_env):
    _, store, memory = memory_env
    learner, ids = await _seed(store, memory)
    for question, expected in [
        ("Do you remember the recipe my grandma gave me?", ids[0]),
        ("Remember the trip I was planning?", ids[2]),
        ("Do you recall what grammar I found hard?", ids[3]),
    ]:
        found = await memory.recall.search(learner.id, question, k=3)
        assert found and found[0].id == expected, (question, found)


async def test_recall_finds_nothing_when_nothing_fits_and_counts_hits(memory_env):
    _, store, memory = memory_env
    learner, ids = await _seed(store, memory)
    assert await memory.recall.search(learner.id, "¿Te acuerdas del nombre de mi perro?", k=3) == []
    await memory.recall.search(learner.id, "¿Te acuerdas de la receta?", k=1)
    export = await store.export("console", "maria")
    hits = {row["id"]: row["hits"] for row in export["memories"]}
    assert hits[ids[0]] == 1 and hits[ids[1]] == 0


async def test_at_most_max_memories_and_the_least_useful_go_first(memory_env):
    _, store, memory = memory_env
    learner = await store.learner("console", "pruned")
    keep = await _remember(store, memory, learner.id, "The learner's daughter is called Lucía.", ["daughter", "hija"], importance=3.0)
    recalled = await _remember(store, memory, learner.id, "The learner loves jazz.", ["jazz", "music", "música"], created_at=1.0)
    await memory.recall.search(learner.id, "remember the music I love?", k=1)  # a hit makes it useful
    for n in range(6):
        await _remember(store, memory, learner.id, f"Routine chat number {n} about the weather.", created_at=2000.0 + n)
    assert await store.prune(learner.id, keep=4) == 4
    left = {row["id"] for row in (await store.export("console", "pruned"))["memories"]}
    assert keep in left and recalled in left and len(left) == 4 and await store.count_memories(learner.id) == 4


WORDS = ["recipe", "receta", "football", "fútbol", "Lima", "Madrid", "dog", "perro", "jazz", "trip", "viaje", "sister"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    owned=st.lists(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5), min_size=0, max_size=3),
                   min_size=2, max_size=4),
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    asker=st.integers(min_value=0, max_value=3),
)
async def test_recall_never_returns_another_learners_memory(memory_env, owned, query, asker):
    _, store, memory = memory_env
    run = next(_ids)
    learners = [await store.learner("console", f"prop-{run}-{i}") for i in range(len(owned))]
    mine: dict[str, str] = {}
    for learner, texts in zip(learners, owned):
        for words in texts:
            memory_id = await _remember(store, memory, learner.id, "The learner talked about " + " ".join(words), words)
            mine[memory_id] = learner.id
    asking = learners[asker % len(learners)]
    found = await memory.recall.search(asking.id, "¿Te acuerdas de " + " ".join(query) + "?", k=10)
    assert all(mine[memory.id] == asking.id for memory in found)
