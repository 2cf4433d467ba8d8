"""One shape of waiting between attempts, for every retry loop in Habla: exponential, capped, optionally jittered.

Retries live in several places on purpose (the bus's redeliveries, the outage guard, a provider's rate
limit waited out in place, the LLM router, a publish to Redis), each with its own budget; what they share
is how long to wait before attempt ``n + 1``, which is this.
"""

from __future__ import annotations

import random


def backoff_s(attempt: int, base_s: float, cap_s: float, *, jitter: bool = False) -> float:
    """The wait after failed attempt number ``attempt`` (0 for the first failure): base · 2^attempt, at most
    ``cap_s``; with ``jitter``, uniform in [0, that] ("full jitter"), so many clients do not retry in step."""
    wait = min(cap_s, base_s * 2 ** max(attempt, 0))
    return random.uniform(0, wait) if jitter else wait
