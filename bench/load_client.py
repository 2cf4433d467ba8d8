"""A lean HTTP/1.1 load generator (raw asyncio streams, keep-alive), run as its own process so it does not
share an event loop with the server it measures. Reads a JSON job on stdin, prints one JSON line.

Job: {"port": P, "path": "/webhooks/whatsapp", "concurrency": 8, "requests": [[body, {headers}], ...]}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def worker(port: int, path: str, jobs: asyncio.Queue, latencies: list[float], statuses: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while True:
        try:
            body, headers = jobs.get_nowait()
        except asyncio.QueueEmpty:
            break
        data = body.encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n{head}\r\n"
        ).encode() + data
        started = time.perf_counter()
        writer.write(request)
        raw_head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in raw_head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await reader.readexactly(length)
        latencies.append((time.perf_counter() - started) * 1000)
        status = int(raw_head.split(b" ", 2)[1])
        statuses[status] = statuses.get(status, 0) + 1
    writer.close()


async def main() -> None:
    job = json.loads(sys.stdin.read())
    jobs: asyncio.Queue = asyncio.Queue()
    for item in job["requests"]:
        jobs.put_nowait(item)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    await asyncio.gather(*[worker(job["port"], job["path"], jobs, latencies, statuses) for _ in range(job["concurrency"])])
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * (len(latencies) - 1)))], 2)  # noqa: E731
    print(json.dumps({
        "events": len(latencies), "events_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pick(0.50), "p99_ms": pick(0.99), "statuses": statuses,
    }))


if __name__ == "__main__":
    asyncio.run(main())
