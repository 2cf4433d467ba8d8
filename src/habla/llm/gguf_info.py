"""What a GGUF file says about itself (name, architecture, quantisation), read from its header only.

The ``gguf`` package's ``GGUFReader`` parses every tensor and the whole tokenizer into numpy objects: 8 s for
the 135M test model here. ``habla doctor`` needs four scalar keys, so this reads the documented key/value
header (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) and stops once it has them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# llama_ftype in llama.h: the quantisation a file was made with.
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
    37: "TQ2_0",
}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_WANTED = ("general.name", "general.architecture", "general.file_type", "general.size_label")


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    size_bytes: int
    name: str | None
    architecture: str | None
    quantisation: str | None
    size_label: str | None

    def describe(self) -> str:
        """``/models/x.gguf (98 MB, Q4_1, llama 135M)``"""
        parts = [f"{self.size_bytes / 1e6:,.0f} MB", self.quantisation, " ".join(p for p in (self.architecture, self.size_label) if p)]
        return f"{self.path} ({', '.join(p for p in parts if p)})"


class NotGGUF(ValueError):
    pass


def read_info(path: str | Path) -> GGUFInfo:
    path = Path(path)
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise NotGGUF(f"{path} is not a GGUF file")
        (version,) = struct.unpack("<I", handle.read(4))
        if version < 2:
            raise NotGGUF(f"{path} is GGUF version {version}; llama.cpp reads 2 and later")
        _tensors, kv_count = struct.unpack("<QQ", handle.read(16))
        found: dict[str, object] = {}
        for _ in range(kv_count):
            key = _string(handle)
            (value_type,) = struct.unpack("<I", handle.read(4))
            if key in _WANTED:
                found[key] = _value(handle, value_type)
                if len(found) == len(_WANTED):
                    break
            else:
                _skip(handle, value_type)
    file_type = found.get("general.file_type")
    return GGUFInfo(
        path=path,
        size_bytes=path.stat().st_size,
        name=_str_or_none(found.get("general.name")),
        architecture=_str_or_none(found.get("general.architecture")),
        quantisation=FILE_TYPES.get(file_type, f"type {file_type}") if isinstance(file_type, int) else None,
        size_label=_str_or_none(found.get("general.size_label")),
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _string(handle: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", handle.read(8))
    return handle.read(length).decode("utf-8", "replace")


def _value(handle: BinaryIO, value_type: int) -> object:
    if value_type == _STRING:
        return _string(handle)
    if value_type in _SCALARS:
        fmt = _SCALARS[value_type]
        return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]
    _skip(handle, value_type)
    return None


def _skip(handle: BinaryIO, value_type: int) -> None:
    if value_type == _STRING:
        (length,) = struct.unpack("<Q", handle.read(8))
        handle.seek(length, 1)
    elif value_type == _ARRAY:
        element_type, count = struct.unpack("<IQ", handle.read(12))
        if element_type in _SCALARS:
            handle.seek(struct.calcsize(_SCALARS[element_type]) * count, 1)
        else:
            for _ in range(count):
                _skip(handle, element_type)
    elif value_type in _SCALARS:
        handle.seek(struct.calcsize(_SCALARS[value_type]), 1)
    else:
        raise NotGGUF(f"unknown GGUF value type {value_type}")
