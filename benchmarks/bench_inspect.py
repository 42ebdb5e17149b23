"""``kformat inspect`` on a 4 GiB ``.keras``: time, and how much of the file it reads.

The file (a Sequential of four Dense(16384) layers, 4 GiB of float32 weights)
is generated at run time into a temporary folder as a *sparse* file: the HDF5
datasets are allocated but never written (h5py's early allocation, no fill),
so it costs seconds and almost no disk, yet it is a complete, valid ``.keras``
that kformat and Keras read like any other.

Bytes read are measured two ways, after evicting the file from the page cache
(``posix_fadvise(DONTNEED)``): ``read_bytes`` of the inspecting process
(``/proc/self/io``: storage reads, page faults on mapped files included), and
the file's pages resident in the page cache afterwards (``mincore``), which
counts every page touched — holes included — so a read of the weights could
not hide. Linux only.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._models import dense_stack_config
from benchmarks._util import fmt_seconds, main_for, median_time, print_table

WIDTH = 16384
DEPTH = 4  # 4 x 16384 x 16384 float32 = 4 GiB
ROOT = Path(__file__).resolve().parents[1]


def sparse_keras(path: Path, *, width: int = WIDTH, depth: int = DEPTH) -> Path:
    """Write a valid ``.keras`` whose weight bytes are holes (zeros) of a sparse file."""
    import h5py

    from kformat._zipwrite import ZipStreamWriter

    def weights(region: Any) -> None:
        with h5py.File(region, "w", alignment_threshold=1024, alignment_interval=64) as f:
            f.create_group("vars").attrs["name"] = "sequential"
            for i in range(depth):
                name = "dense" if i == 0 else f"dense_{i}"
                grp = f.create_group(f"layers/{name}/vars")
                grp.attrs["name"] = name
                for key, shape in (("0", (width, width)), ("1", (width,))):
                    plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                    plist.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
                    plist.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
                    space = h5py.h5s.create_simple(shape)
                    h5py.h5d.create(grp.id, key.encode(), h5py.h5t.IEEE_F32LE, space, dcpl=plist)

    meta = {"keras_version": "3.15.1", "date_saved": "2026-12-07@00:00:00"}
    with open(path, "w+b") as f:
        zw = ZipStreamWriter(f)
        zw.add("metadata.json", json.dumps(meta).encode())
        zw.add("config.json", json.dumps(dense_stack_config(width, depth)).encode())
        zw.add_streamed("model.weights.h5", weights)
        zw.close()
        f.flush()
        os.fsync(f.fileno())
    return path


def evict(path: Path) -> None:
    """Drop ``path``'s clean pages from the page cache (this file only)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def resident_bytes(path: Path, start: int = 0, end: int | None = None) -> int:
    """Bytes of ``path[start:end]`` now in the page cache (``mincore``), in whole pages."""
    size = os.path.getsize(path)
    end = size if end is None else min(end, size)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    libc.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    page = mmap.PAGESIZE
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap failed")
        try:
            pages = (size + page - 1) // page
            vec = (ctypes.c_ubyte * pages)()
            if libc.mincore(ctypes.c_void_p(addr), size, vec) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            flags = np.frombuffer(vec, dtype=np.uint8) & 1
            return int(flags[start // page : (end + page - 1) // page].sum()) * page
        finally:
            libc.munmap(ctypes.c_void_p(addr), size)
    finally:
        os.close(fd)


def weight_span(path: Path) -> tuple[int, int]:
    """Where the weight data lies in the file: first and last byte of its datasets."""
    import kformat

    weights = kformat.read(path).weights
    spans = []
    for p in weights:
        src = weights._sources[p]  # type: ignore[attr-defined]
        if src.info.offset is not None:
            spans.append((src.base + src.info.offset, src.base + src.info.offset + src.info.nbytes))
    return min(s for s, _ in spans), max(e for _, e in spans)


def mapped_rss(path: Path) -> int:
    """Bytes of ``path`` mapped into this process's page tables (``/proc/self/smaps``
    ``Rss`` of its mappings): the pages this process touched (plus the kernel's
    fault-around, 64 KiB per fault), unlike the page cache, which also holds
    the read-ahead (``read_ahead_kb``) around every page touched."""
    target = os.path.realpath(path)
    total = 0
    current = False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5:  # a mapping's first line
                current = len(head) >= 6 and os.path.realpath(head[5]) == target
            elif current and head and head[0] == "Rss:":
                total += int(head[1]) * 1024
    return total


_CHILD = """
import json, sys, time
def io():
    return {k: int(v) for k, v in (l.split(": ") for l in open("/proc/self/io"))}
before = io()
start = time.perf_counter()
import kformat
from kformat._inspect import inspect_archive
archive = kformat.read(sys.argv[1])  # kformat.inspect, with the archive kept open
info = inspect_archive(archive, sys.argv[1])
took = time.perf_counter() - start
after = io()
from benchmarks.bench_inspect import mapped_rss
print(json.dumps({"s": took, "read_bytes": after["read_bytes"] - before["read_bytes"],
                  "rchar": after["rchar"] - before["rchar"], "weights": info.weight_bytes,
                  "touched": mapped_rss(sys.argv[1])}))
"""


def measure(path: Path) -> dict[str, Any]:
    """Cold (evicted, fresh process, imports included) and warm in-process inspect."""
    import kformat

    size = os.path.getsize(path)
    first, last = weight_span(path)
    evict(path)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    child = json.loads(done.stdout)
    return {
        "file_bytes": size,
        "weight_bytes": child["weights"],
        "cold_s": child["s"],
        "read_bytes": child["read_bytes"],
        "rchar": child["rchar"],
        "touched_bytes": child["touched"],
        "resident_weight_bytes": resident_bytes(path, first, last),
        "resident_file_bytes": resident_bytes(path),
        "warm_s": median_time(lambda: kformat.inspect(path), repeat=5),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kformat-inspect-") as tmp:
        path = sparse_keras(Path(tmp) / "big.keras")
        return measure(path)


def report(r: dict[str, Any]) -> None:
    mib = 1024 * 1024
    print_table(
        f"kformat inspect, {r['file_bytes'] / 2**30:.2f} GiB .keras "
        f"({r['weight_bytes'] / 2**30:.2f} GiB of weights)",
        ["measure", "value", "target"],
        [
            [
                "cold: fresh process, file evicted (imports included)",
                fmt_seconds(r["cold_s"]),
                "< 1 s",
            ],
            ["warm: in-process median of 5", fmt_seconds(r["warm_s"]), "-"],
            ["storage reads (read_bytes)", f"{r['read_bytes'] / mib:.2f} MiB", "-"],
            ["read() calls (rchar, incl. Python's own files)", f"{r['rchar'] / mib:.2f} MiB", "-"],
            [
                "file bytes the process touched (smaps Rss)",
                f"{r['touched_bytes'] / mib:.2f} MiB",
                "~0",
            ],
            [
                "page cache after, whole file (read-ahead incl.)",
                f"{r['resident_file_bytes'] / mib:.2f} MiB",
                "-",
            ],
            [
                "page cache after, weight span (read-ahead incl.)",
                f"{r['resident_weight_bytes'] / mib:.2f} MiB",
                "-",
            ],
        ],
    )


main = main_for(__doc__, run, report)

if __name__ == "__main__":
    raise SystemExit(main())
