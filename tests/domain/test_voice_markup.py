"""The 🔊 markup: which parts of a tutor reply become voice notes."""

from __future__ import annotations

from habla.domain.messages import Outbound
from habla.domain.prompts import system_prompt
from habla.domain.learner import Profile
from habla.domain.voice_markup import voice_items, voice_phrases


def test_only_marked_lines_become_voice_and_the_gloss_is_not_spoken():
    reply = (
        "✏️ _yo es_ → *yo soy*: ser in the first person.\n"
        "Una palabra nueva:\n"
        "🔊 *la biblioteca* — the library\n"
        "🔊 ¿Dónde está la biblioteca? (Where is the library?)\n"
        "Explanation: *estar* is for location. 🔊 not at the start, so not spoken\n"
        "¿Vas a la biblioteca hoy?"
    )
    assert voice_phrases(reply) == ["la biblioteca", "¿Dónde está la biblioteca?"]
    items = voice_items(reply, "es")
    assert [(item.text, item.language) for item in items] == [("la biblioteca", "es"), ("¿Dónde está la biblioteca?", "es")]


def test_duplicates_empties_and_the_limit():
    reply = "🔊 hola\n🔊 hola\n🔊\n🔊 *adiós* - bye\n🔊 gracias = thanks\n🔊 por favor"
    assert voice_phrases(reply) == ["hola", "adiós", "gracias"]
    assert voice_phrases(reply, limit=1) == ["hola"]
    assert voice_phrases("no markup at all") == []
    assert voice_phrases("🔊 " + "a" * 500) == []  # not a pronunciation example


def test_outbound_carries_voice_items_through_json():
    outbound = Outbound(channel="whatsapp", address="1", chunks=["hola"], voice=voice_items("🔊 hola — hi", "es"))
    again = Outbound.model_validate(outbound.model_dump(mode="json"))
    assert again.voice[0].text == "hola" and again.voice[0].language == "es"
    assert Outbound.model_validate({"channel": "x", "address": "y"}).voice == []  # older messages still load


def test_the_prompt_asks_for_the_markup_in_the_right_languages():
    prompt = system_prompt(Profile(target_language="fr", native_language="de"))
    assert "🔊" in prompt and "French phrase" in prompt and "German meaning" in prompt
