"""Bounded memory and time on hostile HDF5 weights: full-size bombs built at test time.

Each bomb stays inside the per-dataset rules (KF409's 1000x ratio, 64 KiB
recorded attribute size, ...) and is refused by a whole-file budget instead.
A child process reads or validates it and reports its peak resident memory
(VmHWM) and, separately, that of the process kformat forks for libhdf5
(RUSAGE_CHILDREN): both must stay under 256 MiB above the baseline, and only
``KFormatError`` may escape.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import kformat
from kformat import _h5_isolate
from tests.conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def _keras_like(f: h5py.File) -> None:
    g = f.create_group("layers/dense/vars")
    g.attrs["name"] = "dense"
    g["0"] = np.ones((4, 3), "f4")
    g["1"] = np.zeros(3, "f4")


def gzip_many(path: Path, *, datasets: int = 24, mib: int = 64) -> None:
    """``datasets`` gzip datasets of ``mib`` MiB each, ~500x compressed (under 1000x).

    Every chunk holds the same pre-compressed bytes, written directly, so the
    file takes milliseconds to build however much it declares.
    """
    rng = np.random.default_rng(0)
    chunk = np.zeros(MiB // 4, "f4")
    chunk[:400] = rng.standard_normal(400)  # ~2 KiB compressed per 1 MiB chunk
    packed = zlib.compress(chunk.tobytes(), 9)
    with h5py.File(path, "w") as f:
        _keras_like(f)
        for i in range(datasets):
            dset = f.create_dataset(
                f"layers/zip{i}/vars/0",
                shape=(mib * MiB // 4,),
                dtype="f4",
                chunks=(MiB // 4,),
                compression="gzip",
            )
            for c in range(mib):
                dset.id.write_direct_chunk((c * MiB // 4,), packed)


def unwritten_gib(path: Path) -> None:
    """A 1 GiB chunked dataset with 2 MiB written (512x: within the ratio rule)."""
    with h5py.File(path, "w") as f:
        _keras_like(f)
        dset = f.create_dataset(
            "layers/big/vars/0", shape=(1 << 28,), dtype="f4", chunks=(MiB // 4,)
        )
        dset[: MiB // 2] = np.arange(MiB // 2, dtype="f4")


def vlen_attribute(path: Path, *, mib: int = 6) -> None:
    """A ``mib`` MiB variable-length string attribute (recorded size: 16 bytes)."""
    with h5py.File(path, "w") as f:
        _keras_like(f)
        f["layers/dense/vars"].attrs["note"] = "x" * (mib * MiB)


def link_flood(path: Path, *, links: int = 300_000) -> None:
    """``links`` hard links to one dataset."""
    with h5py.File(path, "w") as f:
        _keras_like(f)
        flood = f.create_group("flood").id
        for i in range(links):
            flood.links.create_hard(b"l%07d" % i, f.id, b"/layers/dense/vars/0")


_PROBE = r"""
import json, pathlib, re, resource, sys, time
import kformat

def hwm_mib():
    status = pathlib.Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024

valid, jobs = sys.argv[1], json.loads(sys.argv[2])
kformat.read(valid)
list(kformat.iter_issues(valid))  # lazily imported modules, compiled schemas
results = []
for mode, bomb in jobs:
    pathlib.Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    base = hwm_mib()
    t = time.perf_counter()
    out = {"codes": [], "escaped": None}
    try:
        if mode == "read":
            kformat.read(bomb)
        else:
            out["codes"] = [i.code for i in kformat.iter_issues(bomb, deep=mode == "deep")]
    except kformat.KFormatError as exc:
        out["codes"] = [exc.code]
    except BaseException as exc:
        out["escaped"] = type(exc).__name__
    out["seconds"] = time.perf_counter() - t
    out["mib"] = hwm_mib() - base
    # The forked libhdf5 children: the largest one, above this process's baseline.
    out["child_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 - base
    results.append(out)
print(json.dumps(results))
"""


def probe(jobs: list[tuple[str, Path]]) -> list[dict[str, Any]]:
    """Run each ``(mode, file)`` (read, validate, deep) in one child process; a
    generous deadline guards only against hangs."""
    args = [sys.executable, "-c", _PROBE, str(EXAMPLE), json.dumps([(m, str(p)) for m, p in jobs])]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    results: list[dict[str, Any]] = json.loads(out.stdout)
    for result in results:
        assert result["escaped"] is None, result
    return results


BOMBS = {"gzip_many": "KF431", "unwritten_gib": "KF431", "vlen_attribute": "KF414"}


def test_bombs_are_refused_within_memory(tmp_path: Path) -> None:
    jobs = []
    for name, build in [
        ("gzip_many", gzip_many),
        ("unwritten_gib", unwritten_gib),
        ("vlen_attribute", vlen_attribute),
    ]:
        build(tmp_path / f"{name}.weights.h5")
        jobs += [(mode, tmp_path / f"{name}.weights.h5") for mode in ("read", "validate", "deep")]
    for (mode, path), result in zip(jobs, probe(jobs), strict=True):
        assert BOMBS[path.name.split(".")[0]] in result["codes"], (mode, path.name, result)
        assert result["mib"] < 256, (mode, path.name, result)
        assert result["child_mib"] < 256, (mode, path.name, result)


def test_hard_link_flood_is_linear_and_refused(tmp_path: Path) -> None:
    path = tmp_path / "links.weights.h5"
    link_flood(path, links=120_000)
    read, validate = probe([("read", path), ("validate", path)])
    # read stops at the first alias; the validator goes on to the link limit.
    assert read["codes"] == ["KF412"], read
    result = validate
    assert "KF411" in result["codes"], result
    assert result["codes"].count("KF412") == 1, result  # once per aliased object


def test_links_count_against_the_object_limit(tmp_path: Path) -> None:
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        for i in range(5):
            f[f"alias{i}"] = f["layers/dense/vars/0"]
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_h5_objects=8)
    # 5 aliases + layers, dense, vars, 0, 1: ten links, five distinct objects.
    codes = [
        i.code
        for i in kformat.iter_issues(_as_weights(bio, tmp_path / "w.weights.h5"), limits=limits)
    ]
    assert "KF411" in codes and codes.count("KF412") == 1


# --------------------------------------------------------------------------- types


def _as_weights(bio: io.BytesIO, path: Path) -> Path:
    path.write_bytes(bio.getvalue())
    return path


def _with_dataset(tmp: Path, tid: Any, data: np.ndarray[Any, Any]) -> Path:
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        space = h5py.h5s.create_simple(data.shape)
        dset = h5py.h5d.create(f["layers/dense/vars"].id, b"2", tid, space)
        dset.write(h5py.h5s.ALL, h5py.h5s.ALL, data)
    return _as_weights(bio, tmp / "t.weights.h5")


def _refused(path: Path) -> str:
    with pytest.raises(kformat.KFormatError) as err:
        kformat.read(path)
    assert err.value.code == "KF408" and err.value.path == "/layers/dense/vars/2"
    return str(err.value)


def test_integer_with_bit_offset_is_refused(tmp_path: Path) -> None:
    tid = h5py.h5t.STD_I16LE.copy()
    tid.set_precision(8)
    tid.set_offset(8)
    assert "bit offset 8" in _refused(_with_dataset(tmp_path, tid, np.array([1, 2, 3, -4], "i2")))


def test_short_precision_integer_is_refused(tmp_path: Path) -> None:
    tid = h5py.h5t.STD_I32LE.copy()
    tid.set_precision(24)
    _refused(_with_dataset(tmp_path, tid, np.array([1, 2], "i4")))


def test_enum_and_bitfield_are_refused(tmp_path: Path) -> None:
    enum = h5py.h5t.enum_create(h5py.h5t.STD_I32LE)
    enum.enum_insert(b"A", 0)
    enum.enum_insert(b"B", 5)
    assert "enumeration" in _refused(_with_dataset(tmp_path, enum, np.array([0, 5], "i4")))
    assert "bitfield" in _refused(
        _with_dataset(tmp_path, h5py.h5t.STD_B16LE, np.array([1, 2], "u2"))
    )


def test_non_ieee_float_is_refused(tmp_path: Path) -> None:
    tid = h5py.h5t.IEEE_F32LE.copy()
    tid.set_ebias(100)
    _refused(_with_dataset(tmp_path, tid, np.array([1.0, 2.0], "f4")))


@pytest.mark.parametrize(
    "data",
    [
        np.array([True, False]),
        np.array([1 + 2j, 3 - 4j], "c8"),
        np.array([1.5, -2.0], ">f8"),
        np.array([1, -2], ">i4"),
        np.array([1, 2], "u8"),
    ],
    ids=["bool", "complex", "f8be", "i4be", "u8"],
)
def test_plain_number_types_still_read(data: np.ndarray[Any, Any], tmp_path: Path) -> None:
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        f["layers/dense/vars/2"] = data
    back = kformat.read(_as_weights(bio, tmp_path / "ok.weights.h5")).weights[
        "/layers/dense/vars/2"
    ]
    np.testing.assert_array_equal(back, data)


# --------------------------------------------------------------------------- attributes


def test_vlen_attribute_measured_by_its_decoded_size(tmp_path: Path) -> None:
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        f["layers/dense/vars"].attrs["note"] = "y" * (65 * 1024)
        assert f["layers/dense/vars"].attrs.get_id("note").get_storage_size() == 16
    with pytest.raises(kformat.KFormatError) as err:
        kformat.read(_as_weights(bio, tmp_path / "a.weights.h5"))
    assert err.value.code == "KF414" and "decodes to" in str(err.value)


# --------------------------------------------------------------------------- decoding


def test_chunked_data_within_the_budget_reads_exactly(tmp_path: Path) -> None:
    data = np.arange(3000, dtype="f4").reshape(100, 30)
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        f.create_dataset("layers/dense/vars/2", data=data, chunks=(10, 30), compression="gzip")
    path = _as_weights(bio, tmp_path / "c.weights.h5")
    arr = kformat.read(path).weights["/layers/dense/vars/2"]
    np.testing.assert_array_equal(arr, data)
    assert not arr.flags.writeable
    tight = dataclasses.replace(kformat.DEFAULT_LIMITS, max_h5_decoded_bytes=data.nbytes - 1)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(path, limits=tight)
    assert err.value.code == "KF431"


def test_large_chunked_data_decodes_in_slabs_exactly(tmp_path: Path) -> None:
    data = np.arange(1500 * 2000, dtype=">f4").reshape(1500, 2000)  # 12 MB, three slabs
    path = tmp_path / "slabs.weights.h5"
    with h5py.File(path, "w") as f:
        _keras_like(f)
        f.create_dataset("layers/dense/vars/2", data=data, chunks=(100, 2000))
    arr = kformat.read(path).weights["/layers/dense/vars/2"]
    assert arr.dtype == data.dtype
    np.testing.assert_array_equal(arr, data)


def test_shards_of_one_model_share_the_decoded_budget(tmp_path: Path) -> None:
    weight_map = {}
    for i in range(2):
        name = f"m_{i:05}.weights.h5"
        with h5py.File(tmp_path / name, "w") as f:
            f.create_dataset(f"layers/d{i}/vars/0", data=np.ones(4096, "f4"), chunks=(512,))
        weight_map[f"/layers/d{i}/vars"] = [name]
    index = tmp_path / "m.weights.json"
    index.write_text(json.dumps({"weight_map": weight_map}))
    # Each shard decodes 16 KiB: one fits the budget, both together do not.
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_h5_decoded_bytes=24 * 1024)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(index, limits=limits)
    assert err.value.code == "KF431" and err.value.member == "m_00001.weights.h5"
    issues = [(i.code, i.member) for i in kformat.iter_issues(index, limits=limits)]
    assert ("KF431", "m_00001.weights.h5") in issues
    assert len(kformat.read(index).weights) == 2


def test_deep_check_decodes_chunked_data_in_the_child(tmp_path: Path) -> None:
    data = np.ones((64, 8), "f4")
    data[3, 2] = np.nan
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        _keras_like(f)
        f.create_dataset("layers/dense/vars/2", data=data, chunks=(8, 8), compression="gzip")
    issues = list(kformat.iter_issues(_as_weights(bio, tmp_path / "n.weights.h5"), deep=True))
    assert [(i.code, i.path) for i in issues if i.code == "KF424"] == [
        ("KF424", "/layers/dense/vars/2")
    ]


# --------------------------------------------------------------------------- isolation


def _hang_file(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "conformance" / "recipes"))
    try:
        from hostile_h5_bounds import heap_hang_weights
    finally:
        sys.path.remove(str(ROOT / "conformance" / "recipes"))
    path = tmp / "hang.weights.h5"
    path.write_bytes(heap_hang_weights())
    return path


@pytest.mark.skipif(not _h5_isolate.CAN_ISOLATE, reason="no fork on this platform")
def test_libhdf5_loop_becomes_kf429(tmp_path: Path) -> None:
    path = _hang_file(tmp_path)
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, h5_stall_ms=1500)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(path, limits=limits)
    assert err.value.code == "KF429" and "no progress" in str(err.value)
    codes = [i.code for i in kformat.iter_issues(path, limits=limits)]
    assert "KF429" in codes


@pytest.mark.skipif(not _h5_isolate.CAN_ISOLATE, reason="no fork on this platform")
def test_overall_deadline_stops_a_slow_walk() -> None:
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, h5_deadline_ms=1)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(EXAMPLE, limits=limits)
    assert err.value.code == "KF429" and "did not finish within 1 ms" in str(err.value)


@pytest.mark.skipif(not _h5_isolate.CAN_ISOLATE, reason="no fork on this platform")
def test_isolated_and_in_process_agree_while_other_threads_use_h5py() -> None:
    """Reading while another thread keeps h5py busy: the fork happens with
    h5py's lock held, so the child never inherits it locked."""
    stop = threading.Event()

    def busy() -> None:
        bio = io.BytesIO()
        with h5py.File(bio, "w") as f:
            f["x"] = np.zeros(1000)
            while not stop.is_set():
                f["x"][()]

    thread = threading.Thread(target=busy)
    thread.start()
    try:
        trusted = dataclasses.replace(kformat.DEFAULT_LIMITS, h5_in_process=True)
        for _ in range(20):
            a = kformat.read(EXAMPLE)
            b = kformat.read(EXAMPLE, limits=trusted)
            assert list(a.weights) == list(b.weights)
            assert all(np.array_equal(a.weights[k], b.weights[k]) for k in a.weights)
            assert a.groups == b.groups
    finally:
        stop.set()
        thread.join()


def test_ml_dtypes_is_imported_only_for_extended_types(tmp_path: Path) -> None:
    import ml_dtypes

    bf16 = tmp_path / "bf16.weights.h5"
    with h5py.File(bf16, "w") as f:
        _keras_like(f)
        f["layers/dense/vars/2"] = np.ones(3, ml_dtypes.bfloat16).view("V2")
        f["layers/dense/vars/2"].attrs["dtype"] = "bfloat16"
    code = (
        "import sys, kformat\n"
        f"kformat.read({str(EXAMPLE)!r}); list(kformat.iter_issues({str(EXAMPLE)!r}))\n"
        "assert 'ml_dtypes' not in sys.modules, 'imported for a float32 model'\n"
        f"w = kformat.read({str(bf16)!r}).weights['/layers/dense/vars/2']\n"
        "assert w.dtype.name == 'bfloat16' and 'ml_dtypes' in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "ok", out.stderr
