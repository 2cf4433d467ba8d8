"""Payments and fair use: Stripe Payment Links, signed idempotent fulfilment, quotas, floods, the blocklist.

``FairUse`` is what the agents and the Stripe webhook hold (``services.fair_use``); it is built by
``build_fair_use(settings, store)`` at run time. The maths lives in ``domain.fair_use``, the tables in
``storage.billing``, the gate the agents run in ``agents.fair_use``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from habla.billing.blocklist import Blocklist
from habla.billing.cache import PlanCache
from habla.billing.flood import FloodBudget
from habla.storage.billing import Account
from habla.storage.store import Store
from habla.billing.stripe_api import StripeAPI
from habla.config import Settings


@dataclass
class FairUse:
    settings: Settings
    store: Store
    blocklist: Blocklist
    cache: PlanCache
    flood: FloodBudget | None  # None: no flood budget (HABLA_RATE_LIMIT__ENABLED)
    stripe: StripeAPI | None  # None without HABLA_STRIPE__API_KEY: events are taken as delivered
    clock: Callable[[], float] = field(default=time.time)  # tests move it across midnights

    @property
    def billing_on(self) -> bool:
        return self.settings.stripe.enabled

    async def account(self, learner_id: str) -> Account:
        cached, generation = await self.cache.get(learner_id)
        if cached is not None:
            return cached
        account = await self.store.billing_account(learner_id)
        await self.cache.put(learner_id, account, generation)
        return account

    async def aclose(self) -> None:
        await self.cache.aclose()
        if self.flood is not None:
            await self.flood.aclose()
        if self.stripe is not None:
            await self.stripe.aclose()


def build_fair_use(settings: Settings, store: Store) -> FairUse:
    stripe_api = None
    if settings.stripe.api_key is not None:
        from habla.billing.stripe_api import StripeLibraryAPI

        stripe_api = StripeLibraryAPI(settings.stripe)
    limits = settings.rate_limit
    flood = None
    if settings.rate_limited and limits.burst > 0 and limits.per_second > 0:
        flood = FloodBudget(settings.redis_url, settings.bus.namespace, limits.burst, limits.per_second)
    return FairUse(
        settings=settings,
        store=store,
        blocklist=Blocklist(store, settings.billing.blocklist_refresh_s),
        cache=PlanCache(settings.redis_url, settings.bus.namespace, settings.billing.status_cache_s),
        flood=flood,
        stripe=stripe_api,
    )
