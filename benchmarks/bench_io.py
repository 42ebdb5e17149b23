"""Reading, writing and validating a large .keras file, side by side with raw file
I/O and Keras (targets: open lazily < 30 ms; load fully <= 1.3x raw read and
>= 5x faster than keras.saving.load_model; peak RSS <= 1.2x weight bytes; write
<= 1.5x a plain write(); validate < 0.2 s)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import kformat
from benchmarks._models import dense_stack_file
from benchmarks._util import (
    child_peak_rss,
    child_time,
    dump_json,
    fmt_ratio,
    fmt_seconds,
    have,
    median_time,
    print_table,
)

KERAS_ENV = {"KERAS_BACKEND": "numpy"}


def _raw_read(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _raw_write(data: bytes, dest: Path, *, sync: bool) -> None:
    with open(dest, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())


def run(size_mb: int = 400, *, repeat: int = 5) -> dict[str, Any]:
    path = dense_stack_file(size_mb)
    archive = kformat.read(path)
    weight_bytes = archive.weights.nbytes if isinstance(archive.weights, kformat.WeightMap) else 0
    data = _raw_read(path)
    out_dir = Path(tempfile.mkdtemp(prefix="kformat-bench-io-"))
    r: dict[str, Any] = {"size_mb": size_mb, "file_bytes": len(data), "weight_bytes": weight_bytes}
    r["raw_read_s"] = median_time(lambda: _raw_read(path), repeat=repeat)
    r["open_s"] = median_time(lambda: kformat.read(path), repeat=repeat)
    r["load_full_s"] = median_time(lambda: kformat.read(path).weights.materialize(), repeat=repeat)  # type: ignore[attr-defined]
    r["raw_write_fsync_s"] = median_time(
        lambda: _raw_write(data, out_dir / "raw.bin", sync=True), repeat=3
    )
    r["raw_write_s"] = median_time(
        lambda: _raw_write(data, out_dir / "raw.bin", sync=False), repeat=3
    )
    # A model being saved holds its weights in memory, as the raw baseline holds
    # its bytes: write from materialized arrays, not from the mapped source file.
    in_memory = kformat.KerasArchive(
        archive.config,
        archive.metadata,
        archive.weights.materialize(),
        archive.groups,  # type: ignore[attr-defined]
    )
    r["write_s"] = median_time(lambda: kformat.write(in_memory, out_dir / "out.keras"), repeat=5)
    r["validate_s"] = median_time(lambda: kformat.check(path), repeat=repeat)
    setup = f"import kformat; p = {str(path)!r}"
    r["load_full_rss"] = child_peak_rss(setup, "w = kformat.read(p).weights.materialize()")
    if have("keras"):
        ksetup = f"import keras; p = {str(path)!r}"
        kop = "keras.saving.load_model(p, compile=False)"
        r["keras_load_s"] = child_time(ksetup, kop, repeat=3, env=KERAS_ENV)
        r["keras_load_rss"] = child_peak_rss(ksetup, kop, env=KERAS_ENV)
    else:
        r["keras_load_s"] = r["keras_load_rss"] = None
    for f in out_dir.iterdir():
        f.unlink()
    out_dir.rmdir()
    return r


def report(r: dict[str, Any]) -> None:
    def ratio(a: str, b: str) -> float | None:
        return r[a] / r[b] if r.get(a) and r.get(b) else None

    wb = r["weight_bytes"]
    rows = [
        ["open lazily (config, metadata, index)", fmt_seconds(r["open_s"]), "-", "< 30 ms"],
        [
            "load fully (materialize)",
            fmt_seconds(r["load_full_s"]),
            f"{fmt_ratio(ratio('load_full_s', 'raw_read_s'))} of raw read",
            "<= 1.3x",
        ],
        [
            "keras.saving.load_model",
            fmt_seconds(r["keras_load_s"]),
            f"kformat {fmt_ratio(ratio('keras_load_s', 'load_full_s'))} faster",
            ">= 5x",
        ],
        [
            "write (atomic, fsync)",
            fmt_seconds(r["write_s"]),
            f"{fmt_ratio(ratio('write_s', 'raw_write_fsync_s'))} of write+fsync, "
            f"{fmt_ratio(ratio('write_s', 'raw_write_s'))} of plain write",
            "<= 1.5x",
        ],
        ["validate", fmt_seconds(r["validate_s"]), "-", "< 0.2 s"],
        [
            "peak RSS, load fully",
            f"{(r['load_full_rss'] or 0) / 1e6:.0f} MB",
            f"{fmt_ratio((r['load_full_rss'] or 0) / wb if wb else None)} of weights",
            "<= 1.2x",
        ],
        [
            "peak RSS, keras load_model",
            "n/a" if r["keras_load_rss"] is None else f"{r['keras_load_rss'] / 1e6:.0f} MB",
            fmt_ratio(r["keras_load_rss"] / wb if r["keras_load_rss"] and wb else None),
            "-",
        ],
        [
            "raw read / raw write / write+fsync",
            f"{fmt_seconds(r['raw_read_s'])} / {fmt_seconds(r['raw_write_s'])} / "
            f"{fmt_seconds(r['raw_write_fsync_s'])}",
            "baseline",
            "-",
        ],
    ]
    print_table(
        f"I/O, {r['size_mb']} MB .keras ({wb / 1e6:.0f} MB of weights)",
        ["scenario", "median", "ratio", "target"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    r = run(args.size_mb)
    dump_json(r) if args.json else report(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
