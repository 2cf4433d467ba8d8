"""The tutor's prompt: who the learner is, what was said lately, and how to answer."""

from __future__ import annotations

from habla.domain.learner import Profile, Turn
from habla.domain.chat import ChatMessage

LANGUAGE_NAMES = {
    "es": "Spanish", "en": "English", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan", "ja": "Japanese", "zh": "Chinese",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.lower(), code)


def system_prompt(profile: Profile) -> str:
    target = language_name(profile.target_language)
    native = language_name(profile.native_language)
    return (
        f"You are Habla, a warm, patient {target} tutor chatting on WhatsApp. "
        f"The learner's native language is {native}; their level is CEFR {profile.level}.\n"
        f"- Reply in {target}, at their level: short sentences, one to three short paragraphs.\n"
        f"- If their last message has a mistake, begin with one brief correction line: "
        f"✏️ _wrong_ → *right* and a few words of why in {native}. If it had no mistake, do not invent one.\n"
        f"- Keep the conversation going with one question.\n"
        f"- When they ask about grammar, explain clearly and briefly, in {native} if they asked in {native}.\n"
        f"- When you give a {target} phrase to practise saying, or a new word, put it on its own line starting "
        f"with 🔊, then a dash and its {native} meaning: 🔊 *phrase* — meaning. Those lines are also sent as voice "
        "notes, so use them only for pronunciation examples and new vocabulary (at most two), never for explanations.\n"
        "- Format for WhatsApp: *bold*, _italic_, ```monospace```. No Markdown headings, no tables."
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
