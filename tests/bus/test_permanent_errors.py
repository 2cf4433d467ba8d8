"""PermanentError: a failure no retry can fix is dead-lettered after its one attempt, on both engines."""

from __future__ import annotations

from habla.bus.base import DeadLetter, Envelope, PermanentError, Subscription
from habla_testkit.bus import SETTINGS, TOPIC, Buses, running, wait_until


async def test_a_permanent_error_is_dead_lettered_at_once_and_the_shard_moves_on(buses: Buses) -> None:
    assert SETTINGS.max_deliveries > 1  # otherwise this test could not tell the difference
    bus = buses()
    attempts: list[int] = []
    handled: list[int] = []

    async def handler(env: Envelope) -> None:
        if env.payload.get("revoked"):
            attempts.append(env.attempt)
            raise PermanentError("credentials refused")
        handled.append(env.payload["n"])

    doomed = await bus.publish(TOPIC, "learner-1", {"revoked": True})
    for n in range(3):
        await bus.publish(TOPIC, "learner-1", {"n": n})
    async with running(bus, [Subscription(TOPIC, "sender", handler)]):
        await wait_until(lambda: len(handled) == 3, what="the messages behind the permanent failure")
        dead = await bus.dead_letters(TOPIC)
    assert attempts == [1] and handled == [0, 1, 2]
    [letter] = dead
    assert isinstance(letter, DeadLetter) and letter.id == doomed and letter.attempt == 1
    assert "PermanentError" in letter.error and "credentials refused" in letter.error


async def test_other_errors_are_still_retried(buses: Buses) -> None:
    bus = buses()
    attempts: list[int] = []

    async def handler(env: Envelope) -> None:
        attempts.append(env.attempt)
        if env.attempt < 2:
            raise RuntimeError("transient")

    async with running(bus, [Subscription(TOPIC, "sender", handler)]):
        await bus.publish(TOPIC, "learner-1", {"n": 1})
        await wait_until(lambda: attempts == [1, 2], what="the retry")
    assert await bus.dead_letters(TOPIC) == []


async def test_in_process_dead_letters_are_trimmed_like_the_redis_stream() -> None:
    """A flood of poison messages keeps the newest ``stream_maxlen`` letters, not every one ever (item 12)."""
    from habla.bus.in_process import InProcessBus

    bus = InProcessBus(SETTINGS.model_copy(update={"stream_maxlen": 5, "max_deliveries": 1}))

    async def handler(env: Envelope) -> None:
        raise PermanentError(f"poison {env.payload['n']}")

    async with running(bus, [Subscription(TOPIC, "sender", handler)]):
        for n in range(40):  # one at a time: the stream itself (also stream_maxlen long) never overflows
            await bus.publish(TOPIC, "learner-1", {"n": n})
            await wait_until(lambda: _newest(bus) == n, what=f"letter {n}")
    letters = await bus.dead_letters(TOPIC)
    assert [letter.payload["n"] for letter in letters] == [35, 36, 37, 38, 39]
    assert await bus.forget_key("learner-1") == 5
    assert await bus.dead_letters(TOPIC) == []


def _dead_count(bus) -> int:
    return len(bus._dead.get(TOPIC, ()))


def _newest(bus) -> int | None:
    letters = bus._dead.get(TOPIC)
    return letters[-1].payload["n"] if letters else None
