"""The learner_words table: the words a learner met, by lemma and target language, with how often.

On ``Store`` as ``store.words``:

    newest(learner_id, limit, language=None)   most recently first seen first, as ``LearnerWord``
    all(learner_id, language=None)             oldest first
    count(learner_id, language=None)           how many lemmas

A turn's words are written in the turn's own transaction (``TurnTable.save_turn(..., words=...)``): an
upsert that counts the lemma once more and keeps the first non-empty translation and example. The lemma is
the caller's job (``habla.pedagogy.words_seen`` lemmatises with simplemma), so "comí" and "comer" are one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from habla.domain.tutor_turn import NewWord
from habla.storage.access import TableAccess
from habla.storage.models import LearnerWordRow


@dataclass(frozen=True)
class LearnerWord:
    learner_id: str
    language: str
    lemma: str
    translation: str
    example: str
    first_seen: float
    last_seen: float
    times_seen: int



async def add_in(
    session: AsyncSession, insert, postgres: bool, learner_id: str, language: str, words: list[NewWord], at: float
) -> None:
    """Upsert a turn's words inside the caller's transaction (``insert``: the dialect's insert)."""
    larger = func.greatest if postgres else func.max  # SQLite's two-argument max() is the scalar one
    table = LearnerWordRow.__table__
    seen: set[str] = set()
    for word in words:
        lemma = word.lemma.strip()[:80]
        if not lemma or lemma in seen:  # one statement may not touch one row twice (Postgres refuses)
            continue
        seen.add(lemma)
        statement = insert(table).values(
            learner_id=learner_id, language=language, lemma=lemma, translation=word.translation.strip(),
            example=word.example.strip(), first_seen=at, last_seen=at, times_seen=1,
        )
        new = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["learner_id", "language", "lemma"],
            set_={
                "last_seen": larger(table.c.last_seen, new.last_seen),
                "times_seen": table.c.times_seen + 1,
                "translation": case((table.c.translation == "", new.translation), else_=table.c.translation),
                "example": case((table.c.example == "", new.example), else_=table.c.example),
            },
        )
        await session.execute(statement)


class LearnerWordTable(TableAccess):
    def _query(self, learner_id: str, language: str | None):
        query = select(LearnerWordRow).where(LearnerWordRow.learner_id == learner_id)
        return query.where(LearnerWordRow.language == language) if language else query

    async def newest(self, learner_id: str, limit: int, language: str | None = None) -> list[LearnerWord]:
        query = self._query(learner_id, language).order_by(LearnerWordRow.first_seen.desc(), LearnerWordRow.lemma).limit(limit)
        return await self.records(query, LearnerWord)

    async def all(self, learner_id: str, language: str | None = None) -> list[LearnerWord]:
        query = self._query(learner_id, language).order_by(LearnerWordRow.first_seen, LearnerWordRow.lemma)
        return await self.records(query, LearnerWord)

    async def count(self, learner_id: str, language: str | None = None) -> int:
        query = select(func.count()).select_from(LearnerWordRow).where(LearnerWordRow.learner_id == learner_id)
        if language:
            query = query.where(LearnerWordRow.language == language)
        async with self.reading() as session:
            return int((await session.execute(query)).scalar_one())
