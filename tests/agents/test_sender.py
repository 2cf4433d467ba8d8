"""The sender agent through the real WhatsApp channel against the Graph emulator, on both deployments.

What the sender decides on its own: the 24-hour window and its template, rate limits waited out in place
(order kept), refused credentials dead-lettered after one attempt, read receipts that never block a reply.
"""

from __future__ import annotations

import contextlib
import logging
import time

import pytest

from habla.channels.whatsapp.channel import WhatsAppChannel
from habla.domain.messages import Outbound, OutboundKind
from habla.runtime import running
from habla_testkit.bus import wait_until

LEARNER = "16505551234"


@contextlib.asynccontextmanager
async def sender(settings):
    """The real services with only the sender agent running, and a channel that waits briefly on rate limits."""
    tuned = {"whatsapp": WhatsAppChannel(settings.whatsapp, rate_limit_wait_s=0.01)}
    async with running(settings, ["sender"], channels=tuned) as runtime:
        yield runtime.services


async def wrote_at(services, at: float | None) -> None:
    learner = await services.store.learner("whatsapp", LEARNER, None)
    if at is not None:
        await services.store.touch_learner(learner.id, at)


async def publish(services, chunks: list[str], outbound_id: str | None = None, kind=OutboundKind.REPLY) -> Outbound:
    outbound = Outbound(channel="whatsapp", address=LEARNER, chunks=chunks, in_reply_to="wamid.IN", kind=kind,
                        **({"outbound_id": outbound_id} if outbound_id else {}))
    await services.bus.publish("outbound.whatsapp", outbound.learner_key, outbound.model_dump(mode="json"))
    return outbound


async def test_within_the_window_the_reply_goes_out_as_text(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        await publish(services, ["uno", "dos"])
        await wait_until(lambda: len(graph.sent) == 2, what="two chunks")
    assert graph.texts() == ["uno", "dos"]


@pytest.mark.parametrize("last_message", ["25 hours ago", "never"])
async def test_outside_the_window_only_the_template_goes_out(make_settings, graph, last_message):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 25 * 3600 if last_message == "25 hours ago" else None)
        outbound = await publish(services, ["esto no debe salir"])
        await wait_until(lambda: graph.sent, what="the template")
        await publish(services, ["esto no debe salir"], outbound_id=outbound.outbound_id)  # a redelivery
        await publish(services, [], kind=OutboundKind.RECEIPT)  # a marker: everything before it was handled
        await wait_until(lambda: graph.receipts, what="the receipt after the redelivery")
    assert [body["type"] for body in graph.sent] == ["template"]
    assert graph.sent[0]["template"]["name"] == "habla_reengage" and graph.texts() == []


async def test_one_template_per_closed_window_however_many_replies_wait(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 25 * 3600)
        for n in range(3):
            await publish(services, [f"respuesta {n}"])
        await publish(services, [], kind=OutboundKind.RECEIPT)  # a marker: everything before it was handled
        await wait_until(lambda: graph.receipts, what="the marker receipt")
        assert [body["type"] for body in graph.sent] == ["template"]
        await wrote_at(services, time.time() - 25 * 3600 + 60)  # they wrote (long ago too): a new window
        await publish(services, ["otra"])
        await wait_until(lambda: len(graph.sent) == 2, what="the second window's template")
    assert [body["type"] for body in graph.sent] == ["template", "template"] and graph.texts() == []


async def test_a_re_engagement_error_sends_the_template_instead(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)  # our records say open; Meta knows better
        graph.fail_next("131047")
        await publish(services, ["hola", "adiós"])
        await wait_until(lambda: graph.sent, what="the template")
        await publish(services, [], kind=OutboundKind.RECEIPT)
        await wait_until(lambda: graph.receipts, what="the marker receipt")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert [body["type"] for body in graph.sent] == ["template"]
    assert graph.attempts() == 2  # the refused text, then the template; the second chunk was never tried


async def test_rate_limits_are_waited_out_in_place_and_keep_the_order(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next("131056", times=2)
        graph.fail_next("130429", times=1)
        for n in range(1, 4):
            await publish(services, [f"{n}a", f"{n}b"])
        await wait_until(lambda: len(graph.sent) == 6, what="all six chunks")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert graph.texts() == ["1a", "1b", "2a", "2b", "3a", "3b"]
    assert graph.attempts() == 9 and len(graph.sent) == 6  # three refused attempts, nothing sent twice


async def test_a_refused_token_is_one_attempt_and_one_loud_log(make_settings, graph, caplog):
    caplog.set_level(logging.INFO)
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next("190", times=100)
        await publish(services, ["hola", "adiós"])
        await wait_until(lambda: services.bus.dead_letters("outbound.whatsapp"), what="the dead letter")
        [letter] = await services.bus.dead_letters("outbound.whatsapp")
    assert graph.attempts() == 1 and graph.sent == []
    assert letter.attempt == 1 and "PermanentError" in letter.error
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "habla.agents.sender"]
    assert len(errors) == 1 and "credentials" in errors[0].getMessage()
    assert graph.access_token not in caplog.text and LEARNER not in caplog.text


async def test_a_failed_read_receipt_never_blocks_the_reply(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next_receipt("500")
        await publish(services, [], kind=OutboundKind.RECEIPT)
        await publish(services, ["la respuesta"])
        await wait_until(lambda: graph.sent, what="the reply")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert graph.texts() == ["la respuesta"] and graph.receipts == []
