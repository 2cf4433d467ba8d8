"""The learner behind an inbound message, created on first contact with the operator's defaults.

Every agent that meets a learner first (conversation, voice) goes through here, so a new learner starts
with the same profile whichever door they came in by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from habla.config import TutorSettings
from habla.domain.learner import Learner, Profile
from habla.domain.messages import Inbound

if TYPE_CHECKING:
    from habla.services import Services


def first_profile(tutor: TutorSettings) -> Profile:
    return Profile(
        target_language=tutor.default_target_language,
        native_language=tutor.default_native_language,
        level=tutor.default_level,
    )


async def learner_for(services: Services, inbound: Inbound) -> Learner:
    return await services.store.learner(inbound.channel, inbound.address, first_profile(services.settings.tutor))
