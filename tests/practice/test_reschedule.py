"""The durable schedule row follows the profile: "remind me at 8" writes the learner's next 08:00 in their
timezone (UTC), "stop reminders" clears it, and the row goes with the learner's data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from habla.domain.learner import Profile
from habla.practice.schedule import reschedule
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store
from tests.api.test_whatsapp_routes import LEARNER, serving
from tests.pedagogy.test_tutor_turns import whatsapp  # noqa: F401 (fixtures)


class _Services:
    def __init__(self, store: Store) -> None:
        self.store = store


async def test_reschedule_writes_the_next_slot_and_replaces_it(database_url):
    await migrate(database_url)
    store = Store(create_engine(database_url))
    try:
        learner = await store.learner("whatsapp", "+34600000301", Profile(timezone="Asia/Tokyo", reminder_times=["08:00"]))
        now = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp()  # 21:00 in Tokyo
        due = await reschedule(_Services(store), learner, now)
        assert datetime.fromtimestamp(due, tz=ZoneInfo("Asia/Tokyo")).strftime("%m-%d %H:%M") == "06-02 08:00"
        entry = await store.schedule.get(learner.id)
        assert (entry.next_due_at, entry.signature) == (due, "08:00@Asia/Tokyo")
        learner.profile = learner.profile.model_copy(update={"reminder_times": []})
        assert await reschedule(_Services(store), learner, now) is None
        assert (await store.schedule.get(learner.id)).next_due_at is None
        await store.erase("whatsapp", "+34600000301")
        assert await store.schedule.get(learner.id) is None
    finally:
        await store.aclose()


async def test_remind_me_and_stop_reminders_move_the_schedule(whatsapp, graph):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await store.learner("whatsapp", LEARNER, Profile(timezone="Europe/Madrid"))
        await say(client, "wamid.S1", "remind me at 8", 1)
        entry = await store.schedule.get(learner.id)
        local = datetime.fromtimestamp(entry.next_due_at, tz=ZoneInfo("Europe/Madrid"))
        assert (local.hour, local.minute) == (8, 0) and entry.signature == "08:00@Europe/Madrid"
        await say(client, "wamid.S2", "stop reminders", 2)
        assert (await store.schedule.get(learner.id)).next_due_at is None
