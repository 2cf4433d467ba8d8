"""The store: one object over one engine, made of one class per table family.

Agents and the memory work use the same ``Store`` (``services.store``); each family lives in its own
module so a newcomer finds the SQL for a table by the table's name:

    learners.py      learners (profile document, last inbound time)
    turns.py         turns
    deliveries.py    inbound_seen claims and delivered chunks (exactly-once bookkeeping)
    llm_calls.py     llm_calls (the router's CallRecorder)
    stage_timings.py stage_timings (how long replies and transcripts took)
    operator_figures.py  the dashboard's figures, read across those tables
    memories.py      memories and vector search
    learner_data.py  export and erase across every table
    server_keys.py   the digest key every process shares (behind hashed())
    billing.py       blocklist, plans, Checkout Sessions, Stripe events, usage counters (habla.billing)
    corrections.py   corrections (``store.corrections``: the tutor's structured corrections, per turn)
    learner_words.py learner_words (``store.words``: the words a learner met, by lemma)
    practice_cards.py practice_cards, practice_reviews (``store.practice``: FSRS cards, habla.practice)
    practice_schedule.py practice_schedule (``store.schedule``: each learner's next practice prompt)

The tutor's and practice's families are attributes (``store.corrections.for_learner(...)``, ``store.words.newest(...)``)
rather than mixed in: their method names (``all``, ``count``) would collide on one class. Both are written
with their turn by ``save_turn``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from habla.storage.billing import BillingTable
from habla.storage.corrections import CorrectionTable
from habla.storage.deliveries import DeliveryTable
from habla.storage.learner_data import LearnerData
from habla.storage.learner_words import LearnerWordTable
from habla.storage.learners import LearnerTable
from habla.storage.llm_calls import LLMCallTable
from habla.storage.memories import MemoryTable
from habla.storage.practice_cards import PracticeCardTable
from habla.storage.practice_schedule import PracticeScheduleTable
from habla.storage.operator_figures import OperatorFigures
from habla.storage.server_keys import ServerKeyTable
from habla.storage.stage_timings import StageTimingTable
from habla.storage.turns import TurnTable


class Store(LearnerTable, TurnTable, DeliveryTable, LLMCallTable, StageTimingTable, MemoryTable, LearnerData, OperatorFigures,
            BillingTable, ServerKeyTable):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.corrections = CorrectionTable(engine)
        self.words = LearnerWordTable(engine)
        self.practice = PracticeCardTable(engine)
        self.schedule = PracticeScheduleTable(engine)

    async def aclose(self) -> None:
        await self.engine.dispose()
