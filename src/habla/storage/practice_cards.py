"""The practice_cards and practice_reviews tables: a learner's FSRS cards and the reviews applied to them.

On ``Store`` as ``store.practice``:

    ensure(learner_id, seeds, at)        make the cards that do not exist yet (due now); how many were made
    card(card_id)                        one card, as ``PracticeCard``
    for_learner(learner_id)              every card, oldest first
    due(learner_id, now, limit)          reviewed cards whose time has come, most overdue first
    unseen(learner_id, limit)            cards never reviewed, oldest first
    introduced_since(learner_id, since)  how many cards had their first review after ``since`` (the daily cap)
    review(learner_id, card_id, rating, source, source_id, at)

``review`` writes the review row and the card in one transaction, and the review id derives from the card
and the source (a quiz answer's message, a turn): the same source reviews a card once, however often it
is delivered, and two processes racing on it apply it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from habla.domain import practice_cards as rules
from habla.storage.access import TableAccess
from habla.storage.models import PracticeCardRow, PracticeReviewRow


@dataclass(frozen=True)
class PracticeCard:
    id: str
    learner_id: str
    key: str
    kind: str
    language: str
    front: str
    back: str
    hint: str
    fsrs: dict
    state: int
    due_at: float
    reviews: int
    created_at: float
    last_review_at: float | None

    @property
    def category(self) -> str:
        return rules.category_of(self.key)

    def view(self) -> rules.CardView:
        return rules.CardView(self.id, self.kind, self.front, self.back, self.category)


def _card(row: PracticeCardRow) -> PracticeCard:
    return PracticeCard(
        id=row.id, learner_id=row.learner_id, key=row.key, kind=row.kind, language=row.language, front=row.front,
        back=row.back, hint=row.hint, fsrs=row.fsrs, state=row.state, due_at=row.due_at, reviews=row.reviews,
        created_at=row.created_at, last_review_at=row.last_review_at,
    )


class PracticeCardTable(TableAccess):
    async def ensure(self, learner_id: str, seeds: list[rules.CardSeed], at: float) -> int:
        """Insert the seeds that are not cards yet; existing cards keep their schedule."""
        if not seeds:
            return 0
        fresh = rules.new_card(at)
        rows = [
            {
                "id": rules.card_id(learner_id, seed.key), "learner_id": learner_id, "key": seed.key, "kind": seed.kind,
                "language": seed.language, "front": seed.front, "back": seed.back, "hint": seed.hint, "fsrs": fresh,
                "state": int(fresh["state"]), "due_at": at, "reviews": 0, "created_at": at,
            }
            for seed in {seed.key: seed for seed in seeds}.values()  # one statement may not touch a row twice
        ]
        statement = self._insert(PracticeCardRow.__table__).values(rows).on_conflict_do_nothing()
        async with self.writing() as session:
            result = await session.execute(statement)
        return max(result.rowcount or 0, 0)

    async def card(self, card_id: str) -> PracticeCard | None:
        async with self.reading() as session:
            row = await session.get(PracticeCardRow, card_id)
            return _card(row) if row else None

    async def for_learner(self, learner_id: str) -> list[PracticeCard]:
        query = select(PracticeCardRow).where(PracticeCardRow.learner_id == learner_id)
        async with self.reading() as session:
            rows = await session.execute(query.order_by(PracticeCardRow.created_at, PracticeCardRow.key))
            return [_card(row) for row in rows.scalars()]

    async def due(self, learner_id: str, now: float, limit: int) -> list[PracticeCard]:
        query = (
            select(PracticeCardRow)
            .where(PracticeCardRow.learner_id == learner_id, PracticeCardRow.reviews > 0, PracticeCardRow.due_at <= now)
            .order_by(PracticeCardRow.due_at, PracticeCardRow.key)
            .limit(limit)
        )
        async with self.reading() as session:
            return [_card(row) for row in (await session.execute(query)).scalars()]

    async def unseen(self, learner_id: str, limit: int) -> list[PracticeCard]:
        query = (
            select(PracticeCardRow)
            .where(PracticeCardRow.learner_id == learner_id, PracticeCardRow.reviews == 0)
            .order_by(PracticeCardRow.created_at, PracticeCardRow.key)
            .limit(limit)
        )
        async with self.reading() as session:
            return [_card(row) for row in (await session.execute(query)).scalars()]

    async def introduced_since(self, learner_id: str, since: float) -> int:
        query = select(func.count()).select_from(PracticeCardRow).where(
            PracticeCardRow.learner_id == learner_id, PracticeCardRow.introduced_at > since
        )
        async with self.reading() as session:
            return int((await session.execute(query)).scalar_one())

    async def review(
        self, learner_id: str, card_id: str, rating: str, source: str, source_id: str, at: float
    ) -> rules.Reviewed | None:
        """Apply one review; None when this source already reviewed the card (or the card is gone)."""
        review = {
            "id": rules.review_id(card_id, source_id), "learner_id": learner_id, "card_id": card_id, "rating": rating,
            "source": source, "reviewed_at": at,
        }
        async with self.writing() as session:
            query = self.for_update(select(PracticeCardRow).where(PracticeCardRow.id == card_id, PracticeCardRow.learner_id == learner_id))
            row = (await session.execute(query)).scalar_one_or_none()
            if row is None:
                return None
            claimed = await session.execute(self._insert(PracticeReviewRow.__table__).values(**review).on_conflict_do_nothing())
            if claimed.rowcount != 1:
                return None
            reviewed = rules.review(row.fsrs, rating, at)
            await session.execute(
                update(PracticeCardRow)
                .where(PracticeCardRow.id == card_id)
                .values(
                    fsrs=reviewed.card, state=reviewed.state, due_at=reviewed.due_at, reviews=PracticeCardRow.reviews + 1,
                    last_review_at=at,
                    # only a quiz introduces a card (the daily cap on new cards); the conversation just reviews it
                    introduced_at=func.coalesce(PracticeCardRow.introduced_at, at) if source == "quiz" else PracticeCardRow.introduced_at,
                )
            )
        return reviewed
