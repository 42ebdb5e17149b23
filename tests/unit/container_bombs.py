"""Container bombs built at test time (never committed): each stays within every
per-member limit and adds up only across members, or hides in a DEFLATED or
sparse member. Shared by test_container_budget.py and its measurements."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

import h5py
import numpy as np

from tests.conftest import small_archive

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_END64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
CONFIG = json.dumps(small_archive().config).encode()
META = b'{"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}'
MiB = 1 << 20

# One raw member: name, method, stored bytes (or a callable writing them), CRC, size.
Member = tuple[str, int, bytes, int, int]


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def stored(name: str, data: bytes) -> Member:
    return (name, 0, data, zlib.crc32(data), len(data))


def small_h5() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((4, 3), "float32"))
        f["layers/dense/vars"].attrs["name"] = "dense"
    return buf.getvalue()


def write_zip(
    path: Path,
    members: Iterable[Member],
    *,
    count: int | None = None,
    zip64: bool = False,
    locator_shift: int = 0,
    count32: int | None = None,
) -> None:
    """Write ``members`` (data already compressed) with a ZIP64 end record when
    ``zip64`` or there are more than 65,534 entries; ``count`` overrides the
    declared count, ``count32`` the 32-bit record's when ZIP64 is used, and
    ``locator_shift`` moves where the ZIP64 locator points."""
    entries = []
    with open(path, "wb") as f:
        for name, method, data, crc, size in members:
            raw = name.encode()
            offset = f.tell()
            f.write(
                _LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 33, crc, len(data), size, len(raw), 0)
            )
            f.write(raw)
            f.write(data)
            entries.append(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    method,
                    0,
                    33,
                    crc,
                    len(data),
                    size,
                    len(raw),
                    0,
                    0,
                    0,
                    0,
                    0o100600 << 16,
                    offset,
                )
                + raw
            )
        start = f.tell()
        for e in entries:
            f.write(e)
        size_cd = f.tell() - start
        n = len(entries) if count is None else count
        if zip64 or n > 0xFFFE:
            z = f.tell()
            c32 = 0xFFFF if count32 is None else count32
            f.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, size_cd, start))
            f.write(_LOCATOR64.pack(b"PK\x06\x07", 0, z + locator_shift, 1))
            f.write(_END.pack(b"PK\x05\x06", 0, 0, c32, c32, size_cd, start, 0))
        else:
            f.write(_END.pack(b"PK\x05\x06", 0, 0, n, n, size_cd, start, 0))


def head(weights: bytes | None = None) -> list[Member]:
    return [
        stored("metadata.json", META),
        stored("config.json", CONFIG),
        stored("model.weights.h5", small_h5() if weights is None else weights),
    ]


def _block(size: int) -> bytes:
    """``size`` bytes that DEFLATE shrinks about 85x: a 12 KiB random block repeated
    (under the 100x ratio of KF109)."""
    rng = np.random.default_rng(7)
    unit = rng.integers(0, 256, 12 * 1024, dtype=np.uint8).tobytes()
    return (unit * (size // len(unit) + 1))[:size]


def many_assets(path: Path, n: int = 1200, size: int = MiB) -> int:
    """``n`` DEFLATED assets of ``size`` bytes each (the same compressed bytes,
    compressed once). Returns the total inflated size."""
    data = _block(size)
    packed = deflate(data)
    assert size / len(packed) < 100
    crc = zlib.crc32(data)
    members = ((f"assets/layers/vocab/part{i:05d}.bin", 8, packed, crc, size) for i in range(n))
    write_zip(path, [*head(), *members])
    return n * size


def deflated_weights(path: Path, size: int = 200 * MiB) -> int:
    """A DEFLATED ``model.weights.h5`` of about ``size`` bytes (Keras never writes
    one), compressed about 85x; built through a temporary file in 1 MiB steps."""
    h5_path = path.with_suffix(".h5")
    block = np.frombuffer(_block(MiB), dtype="float32")
    with h5py.File(h5_path, "w") as f:
        ds = f.create_dataset("layers/dense/vars/0", shape=(size // 4,), dtype="float32")
        f["layers/dense/vars"].attrs["name"] = "dense"
        for lo in range(0, size // 4, len(block)):
            n = min(len(block), size // 4 - lo)
            ds[lo : lo + n] = block[:n]
    packed = bytearray()
    crc = total = 0
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    with open(h5_path, "rb") as f:
        while piece := f.read(MiB):
            crc = zlib.crc32(piece, crc)
            packed += c.compress(piece)
            total += len(piece)
    packed += c.flush()
    h5_path.unlink()
    assert total / len(packed) < 100
    write_zip(path, [*head()[:2], ("model.weights.h5", 8, bytes(packed), crc, total)])
    return total


def entry_flood(path: Path, n: int = 300_000, *, declared: int | None = None) -> None:
    """``n`` empty members; ``declared`` is what the end record says (default: ``n``)."""
    members = ((f"assets/f{i}", 0, b"", 0, 0) for i in range(n))
    write_zip(path, [*head(), *members], count=None if declared is None else declared)


def sparse_assets(root: Path, n: int = 5, size: int = 256 * MiB) -> int:
    """A model directory whose assets are ``n`` sparse files of ``size`` bytes
    (no disk used; read as zeros)."""
    root.mkdir()
    (root / "config.json").write_bytes(CONFIG)
    (root / "metadata.json").write_bytes(META)
    (root / "model.weights.h5").write_bytes(small_h5())
    (root / "assets").mkdir()
    for i in range(n):
        with open(root / "assets" / f"sparse{i}.bin", "wb") as f:
            f.truncate(size)
    return n * size


def env_root(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}
