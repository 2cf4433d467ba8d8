"""The dashboard's and /metrics' figures: the store's (habla.storage.operator_figures) plus the bus's dead letters."""

from __future__ import annotations

from habla.domain.figures import Figures
from habla.web.dead_letters import dead_letter_count


async def compute(services) -> Figures:
    figures = await services.store.operator_figures(services.settings.llm)
    figures.dead_letters = await dead_letter_count(services)
    return figures
