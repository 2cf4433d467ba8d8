"""Which inbound messages the tutor answers at all (pure rules).

- A reaction (👍 on one of our messages) is an acknowledgement, not a message: answering every reaction
  would make the tutor chatty in a way no person is. It is received and logged, with no reply.
- A group message is declined politely, once per group: the tutor is one-to-one, and repeating the
  decline in a busy group would spam every member.
"""

from __future__ import annotations

from enum import StrEnum

from habla.domain.messages import Inbound, InboundKind


class Policy(StrEnum):
    ANSWER = "answer"
    IGNORE = "ignore"
    DECLINE_GROUP = "decline_group"


def policy_for(inbound: Inbound) -> Policy:
    if inbound.group_id:
        return Policy.DECLINE_GROUP
    if inbound.kind == InboundKind.REACTION:
        return Policy.IGNORE
    return Policy.ANSWER
