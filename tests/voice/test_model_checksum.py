"""The offline speech model is assembled only from files that match their pinned SHA-256 (issue 9, item 12)."""

from __future__ import annotations

import json

import pytest

from habla.errors import VoiceModelUnavailable
from habla.voice.models import CHECKSUMS, SIDE_FILES, STAMP, assemble, is_assembled


def _fake_parts(tmp_path):
    first, second = tmp_path / "part1" / "data", tmp_path / "part2" / "data"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    for name in SIDE_FILES:
        (first / name).write_text("{}")
    (first / "model.bin.part1").write_bytes(b"not the model" * 100)
    (second / "model.bin.part2").write_bytes(b"really not" * 100)
    return first, second


def test_swapped_parts_are_refused_and_nothing_is_left_behind(tmp_path):
    folder = tmp_path / "models" / "whisper-base"
    with pytest.raises(VoiceModelUnavailable, match="SHA-256"):
        assemble(folder, _fake_parts(tmp_path))
    assert not folder.exists() and not list((tmp_path / "models").glob(".*tmp"))


def test_a_folder_stamped_without_checksums_is_not_taken_as_assembled(tmp_path):
    folder = tmp_path / "whisper-base"
    folder.mkdir()
    for name in (*SIDE_FILES, "model.bin"):
        (folder / name).write_bytes(b"x")
    (folder / STAMP).write_text(json.dumps({"size": 1}))
    assert not is_assembled(folder)
    (folder / STAMP).write_text(json.dumps({"size": 1, "sha256": CHECKSUMS}))
    assert is_assembled(folder)
