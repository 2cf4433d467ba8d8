"""The tutor's prompt: who the learner is, what was said lately, and how to answer.

Two shapes of the same rules: ``structured_turn_prompt`` for the one structured call of a turn (the
reply, corrections, new words and what to pronounce as JSON fields: habla.pedagogy.turn), and
``system_prompt`` for the free-text answer it falls back to. Both pitch the reply at the learner's CEFR level
(``LEVEL_STYLE``: vocabulary and sentence length), so "easier" and "harder" change what the model writes.
"""

from __future__ import annotations

from habla.domain.learner import Profile, Turn
from habla.domain.chat import ChatMessage
from habla.domain.taxonomy import categories

LANGUAGE_NAMES = {
    "es": "Spanish", "en": "English", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan", "ja": "Japanese", "zh": "Chinese",
}

# How a teacher talks to each level: the words and the sentence length the reply may use.
LEVEL_STYLE = {
    "A1": "only the most common everyday words and the present tense; sentences of at most 6 words",
    "A2": "common everyday words, the present, near future and simple past; sentences of at most 10 words",
    "B1": "everyday vocabulary and the main tenses, with simple connectors; sentences of at most 15 words",
    "B2": "varied vocabulary and every common tense, the subjunctive included; sentences of up to 20 words",
    "C1": "rich, precise vocabulary, idioms and complex sentences, as to a fluent speaker",
    "C2": "any register, nuance and idiom, as to an educated native speaker",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.lower(), code)


def level_style(level: str) -> str:
    return LEVEL_STYLE.get(level.upper(), LEVEL_STYLE["A2"])


def _persona(profile: Profile) -> str:
    target, native = language_name(profile.target_language), language_name(profile.native_language)
    return (
        f"You are Habla, a warm, patient {target} tutor chatting on WhatsApp. "
        f"The learner's native language is {native}; their level is CEFR {profile.level}.\n"
        f"- Reply in {target}, pitched at {profile.level}: {level_style(profile.level)}. "
        "One to three short paragraphs.\n"
        "- Keep the conversation going with one question.\n"
        f"- When they ask about grammar, explain clearly and briefly, in {native} if they asked in {native}.\n"
    )


def system_prompt(profile: Profile) -> str:
    target, native = language_name(profile.target_language), language_name(profile.native_language)
    explain = language_name(profile.explanation_language or profile.native_language)
    return (
        _persona(profile)
        + f"- If their last message has a mistake, begin with one brief correction line: "
        f"✏️ _wrong_ → *right* and a few words of why in {explain}. If it had no mistake, do not invent one.\n"
        f"- When you give a {target} phrase to practise saying, or a new word, put it on its own line starting "
        f"with 🔊, then a dash and its {native} meaning: 🔊 *phrase* — meaning. Those lines are also sent as voice "
        "notes, so use them only for pronunciation examples and new vocabulary (at most two), never for explanations.\n"
        "- Format for WhatsApp: *bold*, _italic_, ```monospace```. No Markdown headings, no tables."
    )


TURN_MARKER = "Answer with one JSON object:"  # what tells the structured turn's prompt from the free-text one


def structured_turn_prompt(profile: Profile) -> str:
    """The rules of the structured turn: what goes in each field of the JSON answer."""
    target, native = language_name(profile.target_language), language_name(profile.native_language)
    explain = language_name(profile.explanation_language or profile.native_language)
    allowed = ", ".join(categories(profile.target_language, profile.native_language))
    return (
        _persona(profile)
        + TURN_MARKER + "\n"
        f"- reply: your answer, in {target}. No corrections in it. WhatsApp formatting (*bold*, _italic_).\n"
        "- corrections: the mistakes in the learner's LAST message only, each with original (their exact words), "
        f"corrected, category (one of: {allowed}), explanation (one short sentence in {explain}) and severity "
        "(minor: a slip or style; major: clearly wrong; blocking: the meaning is lost). "
        "A correct message gets none: [].\n"
        f"- new_words: at most three {target} words from your reply they may not know yet: lemma, translation "
        f"(in {native}), example.\n"
        f"- pronounce: at most two short {target} phrases worth hearing aloud, or []."
    )


def build_messages(profile: Profile, recent: list[Turn], user_text: str, emoji_only: bool = False) -> list[ChatMessage]:
    messages = [ChatMessage("system", system_prompt(profile))]
    for turn in recent:
        messages.append(ChatMessage("user", turn.user_text))
        messages.append(ChatMessage("assistant", turn.reply_text))
    if emoji_only:
        user_text = f"{user_text}\n\n(The learner sent only emoji; answer warmly and invite them to write.)"
    messages.append(ChatMessage("user", user_text))
    return messages
