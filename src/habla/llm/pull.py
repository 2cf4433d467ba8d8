"""`habla model pull [NAME]`: a recommended GGUF from Hugging Face into the models folder, checked.

huggingface_hub downloads it (with its progress bar, resuming a partial download); the expected SHA-256 is
the one the Hub lists for the file (Git LFS metadata), and the file on disk is hashed against it, so a
corrupted or truncated download is deleted instead of loaded. Without a connection the error says exactly
what to download by hand and where to put it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from habla.config import LocalLLMSettings
from habla.llm.local_models import RECOMMENDED, RecommendedModel, models_dir, recommended


class PullError(Exception):
    """One line for the operator: what failed and what to do."""


def pick(name: str | None) -> RecommendedModel:
    if not name:
        return RECOMMENDED[0]
    model = recommended(name)
    if model is None:
        names = ", ".join(m.name for m in RECOMMENDED)
        raise PullError(f"unknown model {name!r}: choose one of {names} (or download any GGUF and set its path)")
    return model


def by_hand(model: RecommendedModel, folder: Path) -> str:
    return f"download {model.url} by hand and put it at {folder / model.filename}"


def pull(model: RecommendedModel, local: LocalLLMSettings) -> Path:
    """The downloaded, verified file; PullError (one line) otherwise."""
    folder = models_dir(local)
    target = folder / model.filename
    try:
        from huggingface_hub import HfApi, hf_hub_download
    except ImportError:
        raise PullError(f"huggingface_hub is not installed (pip install 'habla[local]'); or {by_hand(model, folder)}") from None
    try:
        expected = _listed_sha256(HfApi(), model)
        folder.mkdir(parents=True, exist_ok=True)
        path = Path(hf_hub_download(model.repo, model.filename, local_dir=folder))
    except Exception as exc:  # offline, DNS, proxy, 404, gated repo: all end the same way for the operator
        raise PullError(f"could not download {model.name} from huggingface.co ({_reason(exc)}): {by_hand(model, folder)}") from None
    if expected is not None:
        actual = sha256_of(path)
        if actual != expected:
            path.unlink(missing_ok=True)
            raise PullError(f"{model.filename}: checksum mismatch (got {actual[:12]}…, the Hub lists {expected[:12]}…); deleted, pull again")
    return target if target.exists() else path


def _listed_sha256(api, model: RecommendedModel) -> str | None:
    [info] = api.get_paths_info(model.repo, [model.filename])
    lfs = getattr(info, "lfs", None)
    return getattr(lfs, "sha256", None) if lfs is not None else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__
