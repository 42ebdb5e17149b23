"""What isolating libhdf5 costs per ``kformat.read`` (spec §6.11), side by side.

Three ways to run the HDF5 walk on the same files, in a small caller and in
large ones (1 GiB of touched NumPy memory; TensorFlow imported, when it is
installed): in-process (``h5_in_process=True``, no isolation, the
baseline), a child forked from the caller, and the fork server. Each cell runs
in its own child process so the caller's size is what the row says.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks._util import fmt_ratio, main_for, print_table

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "conformance" / "keras_files" / "keras-3.15.1").glob("*/model.keras"))

_PROBE = r"""
import dataclasses, json, sys, time
import numpy as np
import kformat
from kformat import _h5_isolate
mode, caller, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sys.argv[4:]
if caller == "numpy":
    ballast = np.ones(1 << 28, np.float32)  # 1 GiB, touched
elif caller == "tensorflow":
    import tensorflow  # many small objects and libraries: what real large callers hold
limits = dataclasses.replace(kformat.DEFAULT_LIMITS, h5_in_process=(mode == "in_process"))
never, always = 1 << 62, 0
_h5_isolate.SERVER_ABOVE = always if mode == "server" else never
_h5_isolate.SERVER_AFTER = always if mode == "server" else never
for f in files[:3]:
    kformat.read(f, limits=limits)  # warm-up (and the server's one start)
start, cpu = time.perf_counter(), time.process_time()
for _ in range(repeat):
    for f in files:
        kformat.read(f, limits=limits)
n = repeat * len(files)
print(json.dumps({"wall_ms": 1000 * (time.perf_counter() - start) / n,
                  "caller_cpu_ms": 1000 * (time.process_time() - cpu) / n}))
"""

MODES = ("in_process", "fork", "server")
CALLERS = {
    "small caller": "small",
    "1 GiB NumPy array": "numpy",
    "TensorFlow imported": "tensorflow",
}


def run(repeat: int = 3) -> dict[str, Any]:
    files = [str(p) for p in FILES]
    cells: dict[str, dict[str, Any]] = {}
    for caller, kind in CALLERS.items():
        if kind == "tensorflow" and importlib.util.find_spec("tensorflow") is None:
            continue
        for mode in MODES:
            out = subprocess.run(
                [sys.executable, "-c", _PROBE, mode, kind, str(repeat), *files],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            cells[f"{caller}/{mode}"] = json.loads(out.stdout)
    return {"files": len(files), "repeat": repeat, "cells": cells}


def report(r: dict[str, Any]) -> None:
    rows = []
    for caller in CALLERS:
        if f"{caller}/in_process" not in r["cells"]:
            continue
        base = r["cells"][f"{caller}/in_process"]["wall_ms"]
        for mode in MODES:
            cell = r["cells"][f"{caller}/{mode}"]
            rows.append(
                [
                    caller,
                    mode.replace("_", "-"),
                    f"{cell['wall_ms']:.1f} ms",
                    f"{cell['caller_cpu_ms']:.1f} ms",
                    fmt_ratio(cell["wall_ms"] / base),
                ]
            )
    print_table(
        f"HDF5 isolation, per read over {r['files']} Keras 3.15 files (x{r['repeat']})",
        ["caller", "HDF5 runs", "wall per read", "caller CPU per read", "ratio to in-process"],
        rows,
    )


main = main_for(__doc__, run, report)

if __name__ == "__main__":
    raise SystemExit(main(None))
