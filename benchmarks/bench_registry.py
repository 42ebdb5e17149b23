"""Validating a model registry: files/s of ``kformat validate DIR --jobs N`` over
generated small-to-medium .keras files (valid and broken), the scaling from one
worker to all cores, wall and CPU time, the start-up of one CLI run per file
against the per-file cost inside one run, and the bytes a URL-style scan
fetches (``memory://`` through kformat's ranged reader) against the archive bytes.

The files are generated at run time into a temporary folder with kformat's
writer: :data:`DISTINCT` different models (Dense stacks of 4 to 256 units,
1 to 8 layers), each written once and copied to fill the count, and one in
:data:`BROKEN_EVERY` cut short, given a corrupted config or stripped of its
weights, so every verdict path runs. CPU time is the children's user+system
time (``RUSAGE_CHILDREN``): on a machine shared with other work, wall time
also measures the neighbours, CPU time much less so.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import kformat
from benchmarks._models import dense_stack_archive
from benchmarks._util import main_for, print_table

FILES = int(os.environ.get("KFORMAT_BENCH_REGISTRY_FILES", "2000"))
DISTINCT = 40
BROKEN_EVERY = 10
SINGLE_RUNS = 5  # one CLI process per file, for the start-up comparison
REMOTE_FILES = 8


def _broken(data: bytes, kind: int) -> bytes:
    if kind == 0:
        return data[: len(data) // 2]  # cut short: no zip directory
    if kind == 1:  # invalid JSON in config.json (same length: the zip stays sound)
        pos = data.find(b'"class_name"')
        return data[:pos] + b"{" + data[pos + 1 :]
    import io

    out = io.BytesIO()  # no model.weights.h5
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "model.weights.h5":
                dst.writestr(info, src.read(info))
    return out.getvalue()


def generate(root: Path, count: int) -> tuple[int, int]:
    """``count`` files under ``root`` (100 per folder); (files, bytes)."""
    root.mkdir(parents=True, exist_ok=True)
    templates = []
    for i in range(DISTINCT):
        width = (4, 16, 64, 128, 256)[i % 5]
        path = root.parent / f"template_{i}.keras"
        kformat.write(dense_stack_archive(0, width=width, depth=1 + i % 8), path)
        templates.append(path.read_bytes())
        path.unlink()
    total = 0
    for n in range(count):
        data = templates[n % DISTINCT]
        if n % BROKEN_EVERY == BROKEN_EVERY - 1:
            data = _broken(data, (n // BROKEN_EVERY) % 3)
        folder = root / f"team{n // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"model_{n:05d}.keras").write_bytes(data)
        total += len(data)
    return count, total


def _cli(args: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s of the process tree, exit status) of one kformat validate run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kformat.validate", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
    return wall, cpu, proc.returncode


def _remote(root: Path) -> dict[str, Any]:
    try:
        import fsspec
    except ImportError:
        return {"skipped": "fsspec is not installed"}
    from kformat.validate._driver import run_url

    mem = fsspec.filesystem("memory")
    size = fetched = 0
    for i in range(REMOTE_FILES):
        path = root / f"heavy_{i}.keras"
        kformat.write(dense_stack_archive(0, width=(1024, 2048)[i % 2], depth=2 + i % 3), path)
        data = path.read_bytes()
        path.unlink()
        mem.pipe(f"/bench/heavy_{i}.keras", data)
        result, got = run_url(f"memory:///bench/heavy_{i}.keras")
        if result.issues:
            raise RuntimeError(f"generated file has issues: {result.issues[:3]}")
        size += len(data)
        fetched += got
        mem.rm(f"/bench/heavy_{i}.keras")
    return {"files": REMOTE_FILES, "archive_bytes": size, "fetched_bytes": fetched}


def run() -> dict[str, Any]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="kformat-registry-") as tmp:
        root = Path(tmp)
        files, nbytes = generate(root / "registry", FILES)
        rows = []
        for jobs in dict.fromkeys((1, 2, 0)):
            wall, cpu, status = _cli(
                [str(root / "registry"), "--jobs", str(jobs), "--format", "jsonl", "-q"]
            )
            rows.append(
                {
                    "jobs": jobs,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "files_per_s": files / wall,
                    "status": status,
                }
            )
        one = sorted((root / "registry" / "team000").iterdir())[:SINGLE_RUNS]
        single = [_cli([str(p), "-q"]) for p in one]
        remote = _remote(root)
    per_file_single = sum(w for w, _, _ in single) / len(single)
    return {
        "files": files,
        "bytes": nbytes,
        "cores": cores,
        "runs": rows,
        "scaling_2_over_1": rows[1]["files_per_s"] / rows[0]["files_per_s"],
        "one_cli_run_per_file_s": per_file_single,
        "per_file_in_one_run_s": rows[0]["wall_s"] / files,
        "remote": remote,
    }


def report(results: dict[str, Any]) -> None:
    print_table(
        f"Registry validation: {results['files']} generated .keras files, "
        f"{results['bytes'] / 1e6:.0f} MB, {results['cores']} cores",
        ["--jobs", "wall", "CPU (all processes)", "files/s", "exit"],
        [
            [
                str(r["jobs"]) + (" (all cores)" if r["jobs"] == 0 else ""),
                f"{r['wall_s']:.1f} s",
                f"{r['cpu_s']:.1f} s",
                f"{r['files_per_s']:.1f}",
                str(r["status"]),
            ]
            for r in results["runs"]
        ],
    )
    print(f"\nscaling --jobs 2 / --jobs 1: {results['scaling_2_over_1']:.2f}x")
    print(
        f"one CLI process per file: {results['one_cli_run_per_file_s'] * 1e3:.0f} ms a file; "
        f"inside one --jobs 1 run: {results['per_file_in_one_run_s'] * 1e3:.1f} ms a file"
    )
    remote = results["remote"]
    if "skipped" in remote:
        print(f"remote-style scan: skipped ({remote['skipped']})")
    else:
        print(
            f"remote-style scan (memory://, {remote['files']} weight-heavy files): fetched "
            f"{remote['fetched_bytes']} of {remote['archive_bytes']} bytes "
            f"({100 * remote['fetched_bytes'] / remote['archive_bytes']:.2f}%)"
        )
    print("(wall time on a shared machine includes other work; CPU time is the steadier figure)")


main = main_for(__doc__, run, report)


if __name__ == "__main__":
    raise SystemExit(main())
