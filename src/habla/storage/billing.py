"""Billing tables: the blocklist, plans, Checkout Sessions' facts, applied Stripe events, usage counters.

Every write that must hold across processes is one statement or one transaction the database serialises:
an INSERT … ON CONFLICT claims an event id or a message's charge, an upsert with ``count + 1 RETURNING``
takes a place in a counter, and plan changes are conditional UPDATEs, so two processes never both win.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import case, select, update

from habla.storage.access import TableAccess
from habla.storage.models import (
    BillingAccountRow,
    BlockedAddressRow,
    CheckoutRow,
    LearnerRow,
    StripeEventRow,
    UsageCounterRow,
)

FACTS = ("paid", "failed", "refunded", "ended")


@dataclass(frozen=True)
class Account:
    status: str = "free"  # free | active
    notice: str | None = None  # "activated": the next message opens with a confirmation

    @property
    def paid(self) -> bool:
        return self.status == "active"


@dataclass
class CheckoutFacts:
    """What Stripe says about one Checkout Session (re-read from the API where order matters)."""

    session_id: str
    mode: str = "payment"
    client_reference_id: str | None = None
    customer_id: str | None = None
    payment_intent: str | None = None
    subscription_id: str | None = None
    paid: bool = False
    failed: bool = False
    refunded: bool = False
    ended: bool = False


def grants_access(row) -> bool:
    return bool(row.paid and not (row.failed or row.refunded or row.ended))


class BillingTable(TableAccess):
    # blocklist (addresses are normalised by the caller: domain.fair_use.normalise_address)

    async def blocked_set(self) -> set[str]:
        async with self.connection() as connection:
            return set((await connection.execute(select(BlockedAddressRow.address))).scalars())

    async def block_address(self, address: str) -> bool:
        """True when the address was not blocked before."""
        statement = self._insert(BlockedAddressRow).values(address=address, blocked_at=time.time()).on_conflict_do_nothing()
        async with self.writing() as session:
            return (await session.execute(statement)).rowcount == 1

    async def unblock_address(self, address: str) -> bool:
        async with self.writing() as session:
            row = await session.get(BlockedAddressRow, address)
            if row is None:
                return False
            await session.delete(row)
            return True

    async def blocked_addresses(self) -> list[tuple[str, float]]:
        async with self.reading() as session:
            rows = await session.execute(select(BlockedAddressRow).order_by(BlockedAddressRow.blocked_at))
            return [(row.address, row.blocked_at) for row in rows.scalars()]

    # plans

    async def billing_account(self, learner_id: str) -> Account:
        query = select(BillingAccountRow.status, BillingAccountRow.notice).where(BillingAccountRow.learner_id == learner_id)
        async with self.connection() as connection:
            row = (await connection.execute(query)).first()
        return Account(row.status, row.notice) if row is not None else Account()

    async def clear_notice(self, learner_id: str) -> None:
        async with self.writing() as session:
            await session.execute(
                update(BillingAccountRow).where(BillingAccountRow.learner_id == learner_id).values(notice=None)
            )

    async def learner_exists(self, learner_id: str) -> bool:
        async with self.reading() as session:
            return (await session.get(LearnerRow, learner_id)) is not None

    async def checkout_by(self, *, payment_intent: str | None = None, subscription_id: str | None = None) -> CheckoutRow | None:
        column, value = (
            (CheckoutRow.payment_intent, payment_intent) if payment_intent else (CheckoutRow.subscription_id, subscription_id)
        )
        async with self.reading() as session:
            return (await session.execute(select(CheckoutRow).where(column == value).limit(1))).scalar_one_or_none()

    async def current_checkout(self, learner_id: str) -> CheckoutRow | None:
        """The learner's Checkout Session that grants access now (the newest, if several)."""
        async with self.reading() as session:
            rows = await session.execute(
                select(CheckoutRow).where(CheckoutRow.learner_id == learner_id).order_by(CheckoutRow.updated_at.desc())
            )
            return next((row for row in rows.scalars() if grants_access(row)), None)

    async def event_applied(self, event_id: str) -> bool:
        async with self.reading() as session:
            return (await session.get(StripeEventRow, event_id)) is not None

    async def apply_stripe_event(self, event_id: str, event_type: str, facts: CheckoutFacts | None, learner_id: str | None) -> str | None:
        """In one transaction: claim the event id, merge the session's facts (they only become true), and
        recompute the learner's plan. Returns "activated", "revoked" or "unchanged"; None for an event
        already applied (a replay, or the same event delivered to another process at the same moment)."""
        now = time.time()
        async with self.writing() as session:
            claim = self._insert(StripeEventRow).values(id=event_id, type=event_type, received_at=now)
            if (await session.execute(claim.on_conflict_do_nothing())).rowcount != 1:
                return None
            if facts is None:
                return "unchanged"
            await session.execute(self._merge_facts(facts, learner_id, now))
            if learner_id is None:
                return "unchanged"
            return await self._recompute(session, learner_id, now)

    def _merge_facts(self, facts: CheckoutFacts, learner_id: str | None, now: float):
        values = {
            "session_id": facts.session_id, "learner_id": learner_id, "client_reference_id": facts.client_reference_id,
            "mode": facts.mode, "customer_id": facts.customer_id, "payment_intent": facts.payment_intent,
            "subscription_id": facts.subscription_id, "updated_at": now, **{fact: getattr(facts, fact) for fact in FACTS},
        }
        statement = self._insert(CheckoutRow).values(**values)
        table = CheckoutRow.__table__
        merged = {fact: table.c[fact] | statement.excluded[fact] for fact in FACTS}  # a fact, once true, stays true
        for column in ("learner_id", "customer_id", "payment_intent", "subscription_id", "client_reference_id"):
            known = values[column] is not None  # a later event that lacks an id never erases one we have
            merged[column] = statement.excluded[column] if known else table.c[column]
        return statement.on_conflict_do_update(index_elements=["session_id"], set_={**merged, "updated_at": now})

    async def _recompute(self, session, learner_id: str, now: float) -> str:
        rows = (await session.execute(select(CheckoutRow).where(CheckoutRow.learner_id == learner_id))).scalars()
        active = any(grants_access(row) for row in rows)
        await session.execute(
            self._insert(BillingAccountRow)
            .values(learner_id=learner_id, status="free", notice=None, activations=0, changed_at=now)
            .on_conflict_do_nothing()
        )
        account = BillingAccountRow.__table__.c
        if active:  # only the transaction that flips free → active counts an activation and queues the notice
            changed = update(BillingAccountRow).where(account.learner_id == learner_id, account.status != "active").values(
                status="active", notice="activated", activations=account.activations + 1, changed_at=now
            )
        else:
            changed = update(BillingAccountRow).where(account.learner_id == learner_id, account.status == "active").values(
                status="free", notice=None, changed_at=now
            )
        flipped = (await session.execute(changed)).rowcount == 1
        return ("activated" if active else "revoked") if flipped else "unchanged"

    async def plan_activations(self, learner_id: str) -> int:
        async with self.reading() as session:
            row = await session.get(BillingAccountRow, learner_id)
        return row.activations if row is not None else 0

    # usage

    async def charge(self, learner_id: str, message_key: str, period: str) -> int:
        """This message's place in the learner's counter for ``period`` (1-based): one upsert, atomic in the
        database, in autocommit (one round trip). The message charged again straight after (a redelivery
        after a crash) keeps its place: the counter remembers the last key it counted."""
        table = UsageCounterRow.__table__
        statement = self._insert(table).values(learner_id=learner_id, period=period, count=1, last_key=message_key)
        statement = statement.on_conflict_do_update(
            index_elements=["learner_id", "period"],
            set_={
                "count": case((table.c.last_key == message_key, table.c["count"]), else_=table.c["count"] + 1),
                "last_key": message_key,
            },
        ).returning(table.c["count"])
        async with self.connection() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return (await connection.execute(statement)).scalar_one()

    async def usage(self, learner_id: str, period: str) -> int:
        async with self.reading() as session:
            row = await session.get(UsageCounterRow, (learner_id, period))
        return row.count if row is not None else 0
