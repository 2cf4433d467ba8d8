"""The transcript repair never puts words in the learner's mouth, and clean notes need none (issue 9, item 4).

A repair is kept only when it stays close to what the recogniser heard (most words kept, few changed, each
change a sound-alike); the confidence is calibrated so a clean note clears the repair threshold."""

from __future__ import annotations

import pytest

from habla.config import VoiceSettings
from habla.voice.repair import accept, stays_close
from habla.voice.transcribe import Segment, segment_confidence
from habla_testkit.backends import llm_settings
from habla_testkit.audio import note, speech, with_noise
from habla_testkit.voice_chat import VoiceChat
from tests.voice.test_voice_agent import SQLITE_ONLY, is_repair

HEARD = "Quiero un cafe con lece, por favor."
CHAT_TEXT = "¡Muy bien! Has dicho que quieres un café con leche. Sigamos practicando."


@pytest.mark.parametrize("answer", [
    CHAT_TEXT,
    "¡Muy bien! … Sigamos practicando.",
    "I want a coffee with milk, please.",  # a translation
    "Quiero un té con limón, por favor.",  # different words, same length
    "Quisiera un café con leche, por favor, y un bocadillo de jamón.",  # the learner's sentence, improved
])
def test_answers_that_stray_are_refused(answer):
    assert accept(HEARD, answer) is None


@pytest.mark.parametrize("heard, repaired", [
    (HEARD, "Quiero un café con leche, por favor."),  # a sound-alike fixed, an accent added
    ("El pero de mi hermana es muy grande.", "El perro de mi hermana es muy grande."),
    ("Mañana voy a la playa con mis amigos.", "Mañana voy a la playa con mis amigos."),  # nothing to fix
    ("yo tener un perro", "yo tener un perro"),  # the learner's own grammar stays for the tutor
])
def test_close_repairs_are_kept(heard, repaired):
    assert accept(heard, repaired) == repaired


def test_closeness_rules():
    assert not stays_close("", "hola")
    assert not stays_close("hola", "adiós")  # one word, not a sound-alike
    assert stays_close("ola", "hola")
    assert not stays_close("me gusta la playa", "me gusta mucho la playa y el mar")  # words invented


@SQLITE_ONLY
async def test_a_chatting_repair_model_does_not_replace_the_note(make_settings, llm_emulator, voice_pipeline):
    """The reported run: an LLM answering the repair with chat text; the learner's words go to the tutor."""
    sentence = "Quiero un café con leche, por favor."

    def reply(messages):
        return CHAT_TEXT if is_repair(messages) else "¡Marchando!"

    llm_emulator.reply_fn = reply
    settings = make_settings(llm=llm_settings(llm_emulator), voice={"confidence_threshold": 1.01})  # always unsure
    async with VoiceChat(settings) as chat:
        await chat.send_note("note-1", note(speech(sentence, "es")))
        heard, answer = await chat.wait_texts(2)
        assert "Sigamos" not in heard and "Muy bien" not in heard and answer == "¡Marchando!"
        user_text = (await chat.services.store.turn_for("console:note-1:transcript")).user_text
    assert "Sigamos" not in user_text and "Muy bien" not in user_text and "caf" in user_text.lower()


def test_a_confident_segment_on_the_calibration_clears_the_threshold():
    threshold = VoiceSettings().confidence_threshold
    # clean notes transcribed word for word scored avg_logprob −0.23…−0.74 here (bench/voice_confidence.py)
    for logprob in (-0.25, -0.45, -0.6, -0.74):
        assert segment_confidence(Segment("una frase clara", logprob, 0.1, 1.0)) >= threshold
    for logprob in (-0.85, -1.0, -1.3):  # a third of the words wrong, or worse
        assert segment_confidence(Segment("una frase dudosa", logprob, 0.1, 1.0)) < threshold


@pytest.mark.parametrize("sentence", ["Buenos días, ¿cómo estás?", "El perro de mi hermana es muy grande."])
def test_clean_speech_needs_no_repair(voice_pipeline, sentence):
    """On the old mapping these clean, correctly heard notes scored 0.54 and 0.64: repaired for nothing."""
    result = voice_pipeline.transcribe_note(note(speech(sentence, "es")), ["es"])
    assert result.transcript.confidence >= VoiceSettings().confidence_threshold, result.transcript


def test_noisy_speech_still_asks_for_repair(voice_pipeline):
    noisy = with_noise(speech("Quiero un café con leche, por favor.", "es"), 5.0)
    result = voice_pipeline.transcribe_note(note(noisy), ["es"])
    assert result.transcript.confidence < VoiceSettings().confidence_threshold, result.transcript
