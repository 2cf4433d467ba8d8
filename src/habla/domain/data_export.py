"""The "export my data" document, cut to a size a chat can carry.

A learner with months of history has thousands of rows; sent as text that is hundreds of messages, which
floods their phone and, on repeat, our sending quota (issue: export as amplification). The document keeps
its shape and stays valid JSON: when it is too long, the longest lists (turns, model calls, deliveries…)
lose their oldest rows first, and ``truncated`` says, per table, how many rows there are and how many are
included, so nothing is silently missing.
"""

from __future__ import annotations

import json
from typing import Any

TIME_KEYS = ("created_at", "sent_at", "at", "updated_at", "last_used_at")


def encode(data: dict[str, Any]) -> str:
    # ASCII-only JSON: every character is one UTF-16 unit, so fixed-length cuts fit any channel and the parts
    # concatenate back into exactly this document.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"), default=str)


def fit(data: dict[str, Any], max_chars: int) -> tuple[str, dict[str, dict[str, int]]]:
    """(the document within ``max_chars``, {list: {"total", "included"}} for each list that was cut).

    Lists are the top-level tables and the lists one level down ("session.messages")."""
    document = encode(data)
    if len(document) <= max_chars:
        return document, {}
    lists: dict[tuple[str, ...], list[Any]] = {}
    for name, value in data.items():
        if isinstance(value, list) and value:
            lists[(name,)] = _oldest_first(value)
        elif isinstance(value, dict):
            lists.update({(name, inner): _oldest_first(rows) for inner, rows in value.items() if isinstance(rows, list) and rows})
    totals = {path: len(rows) for path, rows in lists.items()}
    kept = dict(totals)
    while True:
        truncated = {".".join(path): {"total": totals[path], "included": kept[path]} for path in lists if kept[path] < totals[path]}
        trimmed = {name: dict(value) if isinstance(value, dict) else value for name, value in data.items()}
        for path, rows in lists.items():
            newest = rows[len(rows) - kept[path]:] if kept[path] else []
            if len(path) == 1:
                trimmed[path[0]] = newest
            else:
                trimmed[path[0]][path[1]] = newest
        trimmed["truncated"] = truncated
        document = encode(trimmed)
        if len(document) <= max_chars or not any(kept.values()):
            return document, truncated
        longest = max(kept, key=lambda path: kept[path])
        kept[longest] //= 2


def _oldest_first(rows: list[Any]) -> list[Any]:
    for key in TIME_KEYS:
        if all(isinstance(row, dict) and isinstance(row.get(key), (int, float)) for row in rows):
            return sorted(rows, key=lambda row: row[key])
    return rows
