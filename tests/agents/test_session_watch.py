"""Learners who go quiet have their session ended once, so the memory agent updates their profile."""

from __future__ import annotations

import time

from habla.agents.session_watch import announce_idle_sessions
from habla.memory import SESSION_END
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings


async def test_idle_sessions_are_announced_once_each(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"session_idle_minutes": 30})
    # No memory agent here: the announcements stay on the bus where the test can count them.
    async with Conversation(settings, ["ana", "ben"], agents=["conversation", "sender"]) as chat:
        await chat.say("ana", "Hola", "a1")
        await chat.say("ben", "Hola", "b1")
        await chat.wait_replies("ana", 1)
        await chat.wait_replies("ben", 1)
        store = chat.services.store
        ana = await store.learner("console", "ana")
        now = time.time()
        assert await announce_idle_sessions(chat.services, now=now) == 0  # both just wrote
        later = now + 31 * 60
        assert await announce_idle_sessions(chat.services, now=later) == 2
        assert await announce_idle_sessions(chat.services, now=later + 60) == 0  # once per silence
        await store.touch_learner(ana.id, now + 40 * 60)  # ana writes again, then goes quiet again
        assert await announce_idle_sessions(chat.services, now=now + 80 * 60) == 1
        assert await announce_idle_sessions(chat.services, now=now + 25 * 3600 + 80 * 60) == 0  # too old
