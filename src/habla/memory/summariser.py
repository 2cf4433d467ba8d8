"""Sliding-window summarisation: older session messages fold into a running summary, off the reply path.

The conversation agent puts the summary and the newest unsummarised messages that fit
``memory.history_tokens`` into the prompt, so prompt size is flat even when this agent lags or the model
fails (the oldest messages then simply fall out of the window). Folding keeps what they said.
"""

from __future__ import annotations

import logging

from habla.domain.context import SUMMARY_CHARS
from habla.domain.text import estimate_tokens
from habla.domain.memory_prompts import fold_messages
from habla.domain.profile import SessionFold
from habla.domain.messages import hashed
from habla.errors import LLMInvalidOutput, LLMNotConfigured, LLMUnavailable
from habla.memory.session import SessionState

log = logging.getLogger(__name__)

KEEP_MESSAGES = 6  # the newest messages always stay verbatim
FOLD_AT_MESSAGES = 16  # fold when this many are unsummarised (every ~5 turns) …
FOLD_AT_SHARE = 0.75  # … or when they fill this share of the history budget


def needs_fold(session: SessionState, history_tokens: int) -> bool:
    pending = session.unsummarised()
    if len(pending) <= KEEP_MESSAGES:
        return False
    tokens = sum(estimate_tokens(message.text) + 4 for message in pending)
    return len(pending) >= FOLD_AT_MESSAGES or tokens >= history_tokens * FOLD_AT_SHARE


async def fold_if_needed(services, learner_id: str, session: SessionState) -> bool:
    """True when the summary moved forward."""
    if not needs_fold(session, services.settings.memory.history_tokens):
        return False
    older = session.unsummarised()[:-KEEP_MESSAGES]
    try:
        answer = await services.llm.complete_json(
            fold_messages(session.summary, [(m.role, m.text) for m in older]), SessionFold, prefer="fast", learner_id=learner_id
        )
    except (LLMNotConfigured, LLMUnavailable) as exc:
        log.info("no summary fold learner=%s: %s", hashed(learner_id), type(exc).__name__)
        return False
    except LLMInvalidOutput:
        log.warning("summary fold answer invalid learner=%s; kept the previous summary", hashed(learner_id))
        return False
    fold = answer.value
    return await services.memory.sessions.update(
        learner_id,
        summary=fold.summary[:SUMMARY_CHARS],
        summary_upto=older[-1].seq,
        topic=(fold.topic or session.topic or "")[:120] or None,
    )
