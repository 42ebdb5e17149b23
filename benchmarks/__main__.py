"""Run every benchmark: ``python -m benchmarks [--json] [--size-mb N]``."""

from __future__ import annotations

import argparse

from benchmarks import (
    bench_cnn,
    bench_conformance,
    bench_conv,
    bench_dask,
    bench_hashing,
    bench_infer,
    bench_inspect,
    bench_io,
    bench_isolation,
    bench_registry,
    bench_rnn,
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
        "registry": bench_registry.run(),
        "dask": bench_dask.run(),
        "conv": bench_conv.run(),
        "rnn": bench_rnn.run(),
        "hashing": bench_hashing.run(),
        "conformance": bench_conformance.run(),
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
        bench_registry.report(results["registry"])
        bench_dask.report(results["dask"])
        bench_conv.report(results["conv"])
        bench_rnn.report(results["rnn"])
        bench_hashing.report(results["hashing"])
        bench_conformance.report(results["conformance"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
