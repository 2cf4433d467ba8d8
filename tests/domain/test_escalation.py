"""Grammar questions go to the smart tier; ordinary chat, in any language, stays on the fast one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habla.domain.escalation import needs_smart_tier

GRAMMAR_QUESTIONS = [
    # English
    "Why do we use the subjunctive after 'espero que'?",
    "When do I use the conditional?",
    "how do you use the gerund in spanish",
    "Can you explain por vs para?",
    "What's the difference between ser and estar?",
    "Why is it 'fui' and not 'iba'?",
    "imperfect or preterite here?",
    "Is 'había comido' the pluperfect?",
    # Spanish
    "¿Cuál es la diferencia entre ser y estar?",
    "¿Cuándo se usa el imperfecto?",
    "¿Por qué se dice «la mano» si termina en o?",
    "Explícame el pluscuamperfecto, por favor",
    "¿Por qué este verbo es irregular?",
    "no entiendo el SUBJUNTIVO",
    # French
    "Pourquoi on utilise le subjonctif après « il faut que » ?",
    "Quelle est la différence entre l'imparfait et le passé composé ?",
    # Portuguese
    "Qual é a diferença entre pretérito perfeito e imperfeito?",
    "Quando usar o subjuntivo?",
    # German
    "Warum steht hier der Konjunktiv II?",
    "Was ist der Unterschied zwischen Präteritum und Perfekt?",
    "Kannst du mir den Dativ erklären?",
    # Italian
    "Perché si usa il congiuntivo dopo 'penso che'?",
    "Mi spieghi il trapassato prossimo?",
    # correctness questions and trouble spots (issue 11: hard grammar questions go to the smart tier)
    "Is it correct to say 'me se olvidó'?",
    "Should I say 'en la mañana' or 'por la mañana'?",
    "¿Se dice 'el agua' o 'la agua'?",
    "¿Cuál es la forma correcta: 'le vi' o 'lo vi'?",
    "¿Problema es masculino o femenino?",
    "Which tense goes after 'cuando' here?",
    "no entiendo el leísmo",
    "which prepositions go with 'pensar'?",
    "On dit « je me souviens de » ou « je me rappelle de » ?",
]

ORDINARY_CHAT = [
    "hola, ¿qué tal?",
    "I went to the market yesterday",
    "Ayer fui al mercado y compré manzanas",
    "¿Por qué no viniste a la fiesta?",
    "Why didn't I see John's car?",
    "Le expliqué a mi jefe que estaba enfermo",
    "Cuando uso el metro leo un libro",
    "¿Cómo se dice 'apple' en español?",
    "I'm learning Spanish because my wife is from Peru",
    "bonjour, ça va ?",
    "Pourquoi tu n'as pas le temps ?",
    "Oi, tudo bem? Fui à praia ontem.",
    "Ich habe heute Pizza gegessen",
    "Warum findet das Konzert morgen statt?",
    "Ciao, come stai?",
    "Sono stanco perché ho lavorato tanto",
    "¿Qué tiempo hace hoy en Madrid?",
    "Is it correct that you are a robot?",
    "Mi madre dice que la comida está lista",
    "Can I go to the beach tomorrow?",
    "Can I say something personal?",
    "",
]


@pytest.mark.parametrize("text", GRAMMAR_QUESTIONS)
def test_grammar_questions_escalate(text):
    assert needs_smart_tier(text) is True


@pytest.mark.parametrize("text", ORDINARY_CHAT)
def test_ordinary_chat_stays_on_the_fast_tier(text):
    assert needs_smart_tier(text) is False


@given(st.text(max_size=300))
def test_any_text_gives_a_bool(text):
    assert isinstance(needs_smart_tier(text), bool)
