"""Run every benchmark: ``python -m benchmarks [--json] [--size-mb N]``."""

from __future__ import annotations

import argparse

from benchmarks import (
    bench_cnn,
    bench_dask,
    bench_infer,
    bench_inspect,
    bench_io,
    bench_isolation,
    bench_scale,
)
from benchmarks._util import dump_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {
        "io": bench_io.run(args.size_mb),
        "infer": bench_infer.run(),
        "cnn": bench_cnn.run(),
        "scale": bench_scale.run(),
        "isolation": bench_isolation.run(),
        "inspect": bench_inspect.run(),
        "dask": bench_dask.run(),
    }
    if args.json:
        dump_json(results)
    else:
        bench_io.report(results["io"])
        bench_infer.report(results["infer"])
        bench_cnn.report(results["cnn"])
        bench_scale.report(results["scale"])
        bench_isolation.report(results["isolation"])
        bench_inspect.report(results["inspect"])
        bench_dask.report(results["dask"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
