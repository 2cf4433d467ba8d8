"""Recall: the learner's memories that answer a question about the past, in their native or target language.

Hybrid search (see domain/recall.py for why): the query's vector against the memories' vectors (pgvector or
numpy), plus its terms against the memories' multilingual keywords. Every query is scoped to one learner id
in SQL; nothing else is ever a candidate.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from habla.domain.recall import rank, terms
from habla.memory.embeddings import Embedder, EmbeddingError
from habla.storage.memories import MemoryTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recalled:
    id: str
    kind: str
    text: str
    created_at: float
    score: float


class Recall:
    def __init__(self, store: MemoryTable, embedder: Embedder | None) -> None:
        self._store = store
        self._embedder = embedder

    async def search(self, learner_id: str, query: str, k: int = 3, *, mark: bool = True) -> list[Recalled]:
        query_terms = terms(query)
        vector = None
        if self._embedder is not None:
            try:
                vector = (await self._embedder.embed([query]))[0]
            except EmbeddingError as exc:  # lexical recall still works; the reply must not fail for this
                log.warning("recall without vectors: %s", exc)
        model_id = self._embedder.model_id if self._embedder is not None else None
        found = await self._store.candidates(learner_id, vector, model_id, query_terms)
        by_id = {memory.id: memory for memory in found}
        best = rank(query_terms, [memory.candidate for memory in found], k)
        recalled = [
            Recalled(id=memory_id, kind=by_id[memory_id].kind, text=by_id[memory_id].text,
                     created_at=by_id[memory_id].created_at, score=score)
            for memory_id, score in best
        ]
        if mark and recalled:  # recalled memories are useful ones: pruning keeps them longer
            await self._store.mark_recalled([memory.id for memory in recalled], time.time())
        return recalled
