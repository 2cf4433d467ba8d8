"""The tutor's prompt with memory: session first, then profile, then recall (only when asked about the past).

Prompt size is bounded by construction, so it stays flat however long a conversation gets:

- the system prompt with a profile digest capped in items and characters;
- the session's running summary (older messages folded by the memory agent), capped in characters;
- the newest unsummarised session messages that fit ``history_tokens`` (newest first, then chronological);
- at most ``recall_k`` recalled memories, each capped;
- the learner's message (already capped by ``tutor.max_input_chars``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from habla.domain.learner import Profile
from habla.domain.profile import current_facts
from habla.domain.prompts import language_name, system_prompt
from habla.domain.chat import ChatMessage
from habla.domain.text import estimate_tokens

SUMMARY_CHARS = 1200
MEMORY_CHARS = 400
DIGEST_CHARS = 900


@dataclass
class SessionView:
    """What the prompt needs from the session store: (role, text) messages not yet in the summary."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    summary: str = ""
    topic: str | None = None
    errors: list[str] = field(default_factory=list)


def history_within_budget(messages: list[tuple[str, str]], budget_tokens: int, max_messages: int) -> list[tuple[str, str]]:
    """The newest messages whose estimated tokens fit the budget, oldest first, starting with a user message."""
    chosen: list[tuple[str, str]] = []
    used = 0
    for role, text in reversed(messages[-max_messages:] if max_messages > 0 else []):
        cost = estimate_tokens(text) + 4
        if used + cost > budget_tokens:
            break
        chosen.append((role, text))
        used += cost
    chosen.reverse()
    while chosen and chosen[0][0] != "user":  # a prompt that opens with the tutor's words confuses models
        chosen.pop(0)
    return chosen


def profile_digest(profile: Profile) -> str:
    """A few lines of what we know, most useful first; empty for a learner we know nothing about yet."""
    lines = []
    facts = current_facts(profile.facts)
    if facts:
        lines.append("Facts: " + "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in list(facts.items())[-8:]))
    if profile.goals:
        lines.append("Goals: " + "; ".join(profile.goals[-3:]))
    if profile.interests:
        lines.append("Interests: " + ", ".join(profile.interests[-6:]))
    if profile.errors:
        top = sorted(profile.errors.items(), key=lambda item: item[1].count, reverse=True)[:4]
        lines.append(
            "Frequent mistakes: "
            + "; ".join(f"{category.replace('_', ' ')} ×{stat.count}" + (f" (e.g. {stat.examples[0]})" if stat.examples else "") for category, stat in top)
        )
    if profile.topics:
        lines.append("Recent topics: " + ", ".join(profile.topics[-4:]))
    digest = "\n".join(f"- {line}" for line in lines)
    return digest[:DIGEST_CHARS]


def build_prompt(
    profile: Profile,
    session: SessionView,
    user_text: str,
    *,
    recalled: list[tuple[float, str]] | None = None,
    history_tokens: int = 900,
    max_messages: int = 16,
    emoji_only: bool = False,
) -> list[ChatMessage]:
    sections = [system_prompt(profile)]
    digest = profile_digest(profile)
    if digest:
        sections.append("What you know about this learner (use it naturally; never recite it):\n" + digest)
    if session.summary:
        sections.append("Earlier in this conversation (summary): " + session.summary[:SUMMARY_CHARS])
    if session.topic or session.errors:
        notes = []
        if session.topic:
            notes.append(f"current topic: {session.topic}")
        if session.errors:
            notes.append("mistakes corrected this session: " + "; ".join(session.errors[-5:]))
        sections.append("This session — " + "; ".join(notes)[:600])
    if recalled:
        target = language_name(profile.target_language)
        lines = "\n".join(f"- ({_date(at)}) {text[:MEMORY_CHARS]}" for at, text in recalled)
        sections.append(
            "The learner refers to the past. Your notes from earlier sessions (written in English; answer in "
            f"{target} as usual; if none fits, say you don't remember):\n{lines}"
        )
    messages = [ChatMessage("system", "\n\n".join(sections))]
    for role, text in history_within_budget(session.messages, history_tokens, max_messages):
        messages.append(ChatMessage("user" if role == "user" else "assistant", text))
    if emoji_only:
        user_text = f"{user_text}\n\n(The learner sent only emoji; answer warmly and invite them to write.)"
    messages.append(ChatMessage("user", user_text))
    return messages


def prompt_tokens(messages: list[ChatMessage]) -> int:
    return sum(estimate_tokens(message.content) + 4 for message in messages)


_CORRECTION = re.compile(r"✏️\s*[_~]?([^_~\n→]{1,80}?)[_~]?\s*→\s*(?:\*([^*\n]{1,80})\*|([^\n(.,;]{1,80}))")


def corrections_in(reply: str) -> list[str]:
    """The tutor's correction lines (✏️ _wrong_ → *right* in free text, ✏️ ~wrong~ → *right* from a structured
    turn), as "wrong → right": this session's errors."""
    found = [f"{wrong.strip()} → {(starred or plain).strip()}" for wrong, starred, plain in _CORRECTION.findall(reply)]
    return found[:3]


def _date(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))
