"""The baseline for bench/webhook_ingress.py: a FastAPI POST endpoint that only returns 200, served the
same way `habla serve` is (uvicorn, one process)."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/webhooks/whatsapp")
async def ok(request: Request) -> Response:
    await request.body()
    return Response(status_code=200)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
