"""What the memory agent asks the LLM: a structured profile update, and a running summary of a session.

Both are asked through ``LLMRouter.complete_json`` with the schemas of ``domain.profile`` (``ProfileUpdate``,
``SessionFold``): the provider enforces the shape where it can, and anything that does not validate is dropped.
The instructions here say what each key means. Memories are asked for in English, the pivot language of recall, with keywords in three languages
(see ``domain.recall``).
"""

from __future__ import annotations

import json
import time

from habla.domain.learner import Profile, Turn
from habla.domain.profile import current_facts
from habla.domain.prompts import language_name
from habla.domain.chat import ChatMessage

UPDATE_MARKER = "You maintain the long-term memory of Habla"
FOLD_MARKER = "You keep the running summary of a Habla tutoring chat"
TURN_CHARS = 500

_UPDATE_INSTRUCTIONS = UPDATE_MARKER + """, a {target} tutor on WhatsApp.
Read the new part of the conversation and answer with ONE JSON object, no prose, with these keys (omit a key
or leave it empty when the conversation gives nothing for it; never invent):

{{
  "vocabulary": ["{target} words or short phrases the learner used or was taught"],
  "errors": [{{"category": "short grammar category in English, e.g. ser_vs_estar, subjunctive, gender_agreement",
              "example": "the learner's wrong phrase → the right one"}}],
  "topics": ["topics talked about, in English"],
  "interests": ["the learner's lasting interests, in English"],
  "goals": ["why and for what the learner is learning, in English"],
  "facts": [{{"key": "snake_case attribute with ONE value, e.g. home_city, job, partner_name, pet, age",
             "value": "its value now"}}],
  "timezone": "IANA name such as Europe/Madrid, or null",
  "reminder_times": ["HH:MM times the learner asked to practise at"],
  "summary": {{"text": "2-4 sentences in English: what happened, what the learner practised and struggled with",
              "keywords": ["8-15 search words: in English AND in {target} AND in {native}"]}},
  "moments": [{{"text": "a key learning moment or personal detail worth recalling weeks later, in English",
               "keywords": ["search words in English, {target} and {native}"], "importance": 1}}]
}}

Facts: when the learner says something that replaces a known fact (they moved, changed jobs), give the new
value under the same key. Moments: at most 3, only what is worth remembering (importance 1-3).
"""

_FOLD_INSTRUCTIONS = FOLD_MARKER + """. Merge the previous summary and the older messages
below into one summary of at most 120 words, in English, keeping names, facts, plans and the mistakes worked
on. Answer with ONE JSON object, no prose: {"summary": "...", "topic": "what the chat is about now, in a few words"}
"""


def update_messages(profile: Profile, turns: list[Turn]) -> list[ChatMessage]:
    target, native = language_name(profile.target_language), language_name(profile.native_language)
    known = {
        "level": profile.level,
        "facts": current_facts(profile.facts),
        "interests": profile.interests[-10:],
        "goals": profile.goals[-5:],
        "frequent_errors": sorted(profile.errors, key=lambda c: profile.errors[c].count, reverse=True)[:8],
    }
    transcript = "\n".join(
        f"[{time.strftime('%Y-%m-%d %H:%M', time.gmtime(turn.created_at))}] Learner: {turn.user_text[:TURN_CHARS]}\n"
        f"Tutor: {turn.reply_text[:TURN_CHARS]}"
        for turn in turns
    )
    return [
        ChatMessage("system", _UPDATE_INSTRUCTIONS.format(target=target, native=native)),
        ChatMessage("user", f"What we know so far:\n{json.dumps(known, ensure_ascii=False)}\n\nNew conversation:\n{transcript}"),
    ]


def fold_messages(previous_summary: str, older: list[tuple[str, str]]) -> list[ChatMessage]:
    lines = "\n".join(f"{'Learner' if role == 'user' else 'Tutor'}: {text[:TURN_CHARS]}" for role, text in older)
    return [
        ChatMessage("system", _FOLD_INSTRUCTIONS),
        ChatMessage("user", f"Previous summary: {previous_summary or '(none)'}\n\nOlder messages:\n{lines}"),
    ]
