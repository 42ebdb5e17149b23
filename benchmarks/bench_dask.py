"""Dask: validation and inference on a 2-worker LocalCluster vs one plain process.

Validation: ``kformat.dask.validate`` over N generated small MLP files (every tenth with a
broken config) vs a loop of ``kformat.iter_issues`` over the same files. Inference:
``reference_runtime.dask.predict`` over a Dask array of 2M rows vs ``Model.predict`` on the
same NumPy rows in this process (outputs compared). Both sides are warmed up first; the
cluster's start-up is reported on its own. CPU time is this process's and all its descendants' (the
validator's HDF5 server and forks; for the cluster, also the worker processes and theirs);
the workers' share is also measured inside each worker.
``python -m benchmarks.bench_dask [--files N] [--rows N] [--json]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import kformat
from benchmarks._models import dense_stack_archive
from benchmarks._util import dump_json, fmt_ratio, have, print_table

BATCH = 8192
CHUNK = 250_000
FEATURES = 32


def _cpu() -> float:
    """CPU seconds of this process and all its descendants, live or reaped: the validator
    keeps a long-lived HDF5 server child (kformat/_h5_isolate.py) that is never reaped
    while the process runs, so ``os.times()`` alone would miss its share."""
    import psutil  # a dependency of distributed

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system + c.children_user + c.children_system
    return total


def write_files(root: Path, n: int) -> list[str]:
    """``n`` small Dense stacks of four widths; every tenth breaks KF305 (units 0)."""
    archives = {w: dense_stack_archive(0, width=w, depth=3) for w in (16, 24, 32, 48)}
    paths = []
    for i in range(n):
        a = archives[(16, 24, 32, 48)[i % 4]]
        config = json.loads(json.dumps(a.config))
        if i % 10 == 9:
            config["config"]["layers"][1]["config"]["units"] = 0
        path = root / f"m{i:05d}.keras"
        # Into memory, then a plain write: the path form fsyncs each file (crash safety
        # a throwaway input does not need, and seconds per hundred files on a busy disk).
        buffer = io.BytesIO()
        kformat.write(kformat.KerasArchive(config, a.metadata, a.weights, a.groups), buffer)
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def _timed(fn: Any, cpu: Any = _cpu) -> tuple[Any, float, float]:
    c0, t0 = cpu(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, cpu() - c0


def run(n_files: int = 2000, rows: int = 2_000_000) -> dict[str, Any]:
    if not (have("distributed") and have("dask")):
        return {"available": False}
    import dask.array as da
    import distributed

    import kformat.dask as kd
    import reference_runtime
    import reference_runtime.dask as rd

    r: dict[str, Any] = {"available": True, "files": n_files, "rows": rows}
    with tempfile.TemporaryDirectory(prefix="kformat-bench-dask-") as tmp:
        files, r["generate_s"], _ = _timed(lambda: write_files(Path(tmp), n_files))
        model_path = str(Path(tmp) / "mlp.keras")
        kformat.write(dense_stack_archive(0, width=FEATURES, depth=3), model_path)

        # One process: the plain loop.
        for f in files[:20]:
            list(kformat.iter_issues(f))
        loop, r["loop_s"], r["loop_cpu_s"] = _timed(
            lambda: [list(kformat.iter_issues(f)) for f in files]
        )
        r["loop_issues"] = sum(len(i) for i in loop)

        cluster, r["cluster_start_s"], _cpu_start = _timed(
            lambda: distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=50,  # not even the workers' heartbeat errors at shutdown
            )
        )
        client = distributed.Client(cluster)
        try:
            kd.validate(files[:40], client=client)  # warm: imports in each worker

            def workers_cpu() -> float:
                return float(sum(client.run(_cpu).values()))

            w0 = workers_cpu()
            table, r["dask_s"], r["dask_cpu_s"] = _timed(
                lambda: kd.validate(files, client=client), _cpu
            )
            r["dask_workers_cpu_s"] = workers_cpu() - w0
            r["dask_issues"] = int(table["code"].notna().sum())
            r["dask_partitions"] = -(-n_files // 16)

            x_lazy = da.random.default_rng(0).standard_normal(
                (rows, FEATURES), chunks=(CHUNK, FEATURES), dtype=np.float32
            )
            # The rows live on the workers before the clock starts (as a loaded dataset
            # would), so the timing is inference plus moving the outputs back.
            x_lazy = client.persist(x_lazy)
            distributed.wait(x_lazy)
            x = x_lazy.compute()
            model = reference_runtime.load_model(model_path)
            model.predict(x[:BATCH], batch_size=BATCH, verbose=0)
            want, r["predict_loop_s"], r["predict_loop_cpu_s"] = _timed(
                lambda: model.predict(x, batch_size=BATCH, verbose=0)
            )
            rd.predict(model_path, x_lazy[: 2 * BATCH], batch_size=BATCH).compute()  # warm
            w0 = workers_cpu()
            got, r["predict_dask_s"], r["predict_dask_cpu_s"] = _timed(
                lambda: rd.predict(model_path, x_lazy, batch_size=BATCH).compute(), _cpu
            )
            r["predict_workers_cpu_s"] = workers_cpu() - w0
            r["predict_equal"] = bool(np.array_equal(got, want))
            r["loads_per_worker"] = sorted(client.run(rd._load_count, model_path).values())
        finally:
            client.close()
            cluster.close()
    return r


def report(r: dict[str, Any]) -> None:
    if not r.get("available"):
        print("\n## Dask\n\nn/a (install the dask extra)")
        return
    n, rows = r["files"], r["rows"]
    print_table(
        f"Dask: validate {n} small files (2 workers, 1 thread each) vs one process",
        ["run", "wall", "files/s", "CPU", "ratio (wall)"],
        [
            ["plain loop, kformat.iter_issues", f"{r['loop_s']:.2f} s", f"{n / r['loop_s']:.0f}",
             f"{r['loop_cpu_s']:.2f} s", "-"],
            [f"kformat.dask.validate ({r['dask_partitions']} partitions)", f"{r['dask_s']:.2f} s",
             f"{n / r['dask_s']:.0f}",
             f"{r['dask_cpu_s']:.2f} s ({r['dask_workers_cpu_s']:.2f} s in workers)",
             f"dask {fmt_ratio(r['loop_s'] / r['dask_s'])} of loop speed"],
        ],
    )  # fmt: skip
    print(
        f"same issues: {r['loop_issues'] == r['dask_issues']} ({r['dask_issues']}); "
        f"cluster start-up {r['cluster_start_s']:.2f} s; files generated in {r['generate_s']:.1f} s"
    )
    print_table(
        f"Dask: predict, 3-layer MLP width {FEATURES}, {rows:,} rows, batch {BATCH}",
        ["run", "wall", "rows/s", "CPU", "ratio (wall)"],
        [
            ["Model.predict, one process", f"{r['predict_loop_s']:.2f} s",
             f"{rows / r['predict_loop_s']:,.0f}", f"{r['predict_loop_cpu_s']:.2f} s", "-"],
            [f"reference_runtime.dask.predict ({-(-rows // CHUNK)} chunks)",
             f"{r['predict_dask_s']:.2f} s", f"{rows / r['predict_dask_s']:,.0f}",
             f"{r['predict_dask_cpu_s']:.2f} s ({r['predict_workers_cpu_s']:.2f} s in workers)",
             f"dask {fmt_ratio(r['predict_loop_s'] / r['predict_dask_s'])} of loop speed"],
        ],
    )  # fmt: skip
    print(f"outputs equal: {r['predict_equal']}; model loads per worker: {r['loads_per_worker']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.files, args.rows)
    dump_json(results) if args.json else report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
