"""What the tests and the benchmarks share to run Habla against real parts: emulators of the providers' HTTP
contracts on loopback (``emulators``), the real Postgres and Redis (``backends``), real ``habla`` processes
(``processes``), in-process harnesses that run the agents on the console channel (``conversation``,
``voice_chat``), generated speech (``audio``), and helpers for the bus and memory tests (``bus``, ``memory``).

It imports ``habla``; ``habla`` never imports it. Nothing here runs at import time.
"""
