"""The whole-archive budget (spec §2.5, §12 ``max_inflated_bytes``): bombs that stay
under every per-member limit are refused or streamed, in bounded memory, and only
``KFormatError`` leaves ``kformat.read`` and ``kformat.iter_issues``.

The bombs are built at test time into ``tmp_path`` (tests/unit/container_bombs.py);
each is read and validated in a fresh child process whose peak resident memory
(``VmHWM``) is compared with its baseline after importing kformat.
"""

from __future__ import annotations

import dataclasses
import io
import json
import mmap
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
from kformat._archive import AssetMap
from kformat._io import read_stream
from kformat._rules import Sink
from kformat._zip import ZipReader
from tests.unit import container_bombs as cb

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20
#: The issue's bound: peak resident memory above the interpreter with kformat imported.
MAX_GROWTH_MIB = 256

_PROBE = r"""
import json, sys
def kb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
import dataclasses
import kformat
src, limits_json, touch = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **json.loads(limits_json))
base = kb()
outcomes = []
for op in ("read", "validate"):
    try:
        if op == "read":
            archive = kformat.read(src, limits=limits)
            if touch:  # every 40th asset, one at a time
                outcomes.append(sum(len(archive.assets[n]) for n in list(archive.assets)[::40]))
            del archive
        else:
            list(kformat.iter_issues(src, limits=limits))
        outcomes.append("ok")
    except kformat.KFormatError as exc:
        outcomes.append(exc.code)
    except BaseException as exc:  # the test fails on any of these
        outcomes.append(f"escaped {type(exc).__name__}: {exc}"[:300])
print(json.dumps({"mib": (kb() - base) / 1024, "outcomes": outcomes}))
"""


def probe(src: Path, limits: dict[str, int] | None = None, touch: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(src), json.dumps(limits or {}), "1" if touch else "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,  # a hang guard, not a timing assertion
        check=True,
    )
    return json.loads(out.stdout)


def test_many_assets_refused_from_declared_sizes(tmp_path: Path) -> None:
    """1,200 DEFLATED 1 MiB assets, each ~50x (under the 100x ratio): 1.2 GiB in all."""
    src = tmp_path / "assets.keras"
    assert cb.many_assets(src) > kformat.DEFAULT_LIMITS.max_inflated_bytes
    m = probe(src)
    assert m["outcomes"] == ["KF108", "ok"], m
    assert m["mib"] < MAX_GROWTH_MIB, m


def test_many_assets_read_lazily(tmp_path: Path) -> None:
    """With the budget raised, ``read`` lists the assets and inflates none; touching
    some holds one at a time."""
    src = tmp_path / "assets.keras"
    total = cb.many_assets(src)
    m = probe(src, {"max_inflated_bytes": 2 * total}, touch=True)
    assert m["outcomes"] == [30 * MiB, "ok", "ok"], m
    assert m["mib"] < 64, m


def test_inflate_budget_charged_as_bytes_are_produced(tmp_path: Path) -> None:
    src = tmp_path / "assets.keras"
    cb.many_assets(src, n=8)
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_inflated_bytes=20 * MiB)
    archive = kformat.read(src, limits=limits)
    assets = archive.assets
    assert isinstance(assets, AssetMap) and len(assets) == 8
    names = list(assets)
    assert len(assets[names[0]]) == MiB
    assert len(assets[names[0]]) == MiB  # re-reading a checked asset costs nothing
    with zipfile.ZipFile(src) as zf:
        assert assets[names[1]] == zf.read(names[1])
    # Past the declared-size check (a collecting sink goes on), the budget still
    # stops the inflating itself, chunk by chunk.
    small = dataclasses.replace(limits, max_inflated_bytes=4 * MiB)
    sink = Sink(collect=True)
    reader = ZipReader(kformat._io.map_file(src), limits=small, sink=sink)
    assert [i.code for i in sink.issues if i.severity == "error"] == ["KF108"]
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        for name in names:
            reader.read(name, max_bytes=MiB)
    assert err.value.code == "KF108"
    assert small.max_inflated_bytes < reader.budget.used <= small.max_inflated_bytes + MiB


def test_deflated_weights_spooled_not_held(tmp_path: Path) -> None:
    """A 128 MiB DEFLATED weights member: inflated into an anonymous temporary
    file and mapped, never whole in memory (the old reader held twice its size)."""
    src = tmp_path / "weights.keras"
    size = cb.deflated_weights(src, 128 * MiB)
    assert size < kformat.DEFAULT_LIMITS.max_inflated_bytes
    m = probe(src)
    assert m["outcomes"][0] == "ok" and m["outcomes"][1] == "ok", m
    assert m["mib"] < 64, m


def test_deflated_weights_map_equals_stored(tmp_path: Path) -> None:
    weights = cb.small_h5()
    stored, deflated = tmp_path / "s.keras", tmp_path / "d.keras"
    cb.write_zip(stored, cb.head(weights))
    packed = cb.deflate(weights)
    member = ("model.weights.h5", 8, packed, zipfile.crc32(weights), len(weights))
    cb.write_zip(deflated, [*cb.head()[:2], member])
    a, b = kformat.read(stored), kformat.read(deflated)
    np.testing.assert_array_equal(
        a.weights["/layers/dense/vars/0"], b.weights["/layers/dense/vars/0"]
    )
    src = b.weights._sources["/layers/dense/vars/0"]  # type: ignore[attr-defined]
    assert isinstance(src.buf, mmap.mmap)  # the spool, not bytes in memory
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_inflated_bytes=len(weights) - 1)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(deflated, limits=limits)
    assert err.value.code == "KF108"


@pytest.mark.parametrize("declared", [None, 3], ids=["declared", "count-lies"])
def test_entry_flood_refused_before_parsing(
    tmp_path: Path, declared: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300,000 entries: refused from the end record's count (or, when the count
    lies, by the capped walk) before zipfile parses a single entry."""
    src = tmp_path / "flood.keras"
    cb.entry_flood(src, declared=declared)

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory")

    monkeypatch.setattr(zipfile, "ZipFile", parse)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(src)
    assert err.value.code == "KF108"
    issues = list(kformat.iter_issues(src))
    # One KF108, from the declared sizes; no member was inflated to find more.
    container = [i for i in issues if i.code.startswith("KF1") and i.severity == "error"]
    assert [(i.code, i.member) for i in container] == [("KF108", None)]


def test_sparse_directory_assets(tmp_path: Path) -> None:
    """Five sparse 256 MiB asset files (no disk used): refused from their sizes;
    with the budget raised, read lazily, and the bytes read are what is charged."""
    root = tmp_path / "model"
    total = cb.sparse_assets(root)
    m = probe(root)
    assert m["outcomes"] == ["KF108", "ok"], m
    assert m["mib"] < MAX_GROWTH_MIB, m
    raised = dataclasses.replace(kformat.DEFAULT_LIMITS, max_inflated_bytes=2 * total)
    archive = kformat.read(root, limits=raised)
    assert sorted(archive.assets) == [f"assets/sparse{i}.bin" for i in range(5)]


def test_directory_asset_grown_after_listing(tmp_path: Path) -> None:
    """The budget counts the bytes really read, not the size ``lstat`` gave."""
    root = tmp_path / "model"
    cb.sparse_assets(root, n=1, size=1024)
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_inflated_bytes=MiB)
    archive = kformat.read(root, limits=limits)
    with open(root / "assets" / "sparse0.bin", "r+b") as f:
        f.truncate(2 * MiB)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        archive.assets["assets/sparse0.bin"]
    assert err.value.code == "KF108"


class _Pipe(io.RawIOBase):
    """A binary stream with no file descriptor (a socket or pipe wrapper)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._data.readinto(b)


def test_large_stream_spooled_not_held(tmp_path: Path) -> None:
    src = tmp_path / "assets.keras"
    cb.many_assets(src, n=40)  # ~1 MB compressed, far below the spool threshold
    small = read_stream(_Pipe(src.read_bytes()), 1 << 30)
    assert isinstance(small, bytes)
    big_data = src.read_bytes() * 40  # > 16 MiB: spooled to an anonymous file
    big = read_stream(_Pipe(big_data), 1 << 30)
    assert isinstance(big, mmap.mmap) and big[:] == big_data
    with pytest.raises(ValueError, match="larger than the limit"):
        read_stream(_Pipe(big_data), 20 * MiB)


def test_deep_validation_does_not_inflate_past_the_budget(tmp_path: Path) -> None:
    src = tmp_path / "assets.keras"
    cb.many_assets(src, n=8)
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_inflated_bytes=4 * MiB)
    issues = list(kformat.iter_issues(src, limits=limits, deep=True))
    # One KF108, from the declared sizes; no member was inflated to find more.
    container = [i for i in issues if i.code.startswith("KF1") and i.severity == "error"]
    assert [(i.code, i.member) for i in container] == [("KF108", None)]
