"""``python -m tools.export_parity``: the parity suite on every device TensorFlow sees.

Each case (the real-Keras and the runtime corpus of this checkout, then the
in-code zoo) is exported once, reloaded, and its ``serve`` endpoint run on the CPU and on
every GPU; the outputs are compared with the NumPy runtime's and printed as a
table (case, device, max abs diff, max rel diff, pass). Without a GPU visible
to TensorFlow it says so and exits 0. TensorFloat-32 is turned off first, so
float32 matmuls on Ampere and later GPUs are computed in float32 (``--tf32``
keeps TensorFlow's default to show the difference).

Exit status: 0 all within tolerance (or no GPU), 1 a difference too large or a
case that failed, 2 TensorFlow missing or a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.export_parity",
        description="Run the SavedModel-vs-NumPy parity suite on every device TensorFlow sees.",
    )
    parser.add_argument(
        "--devices",
        nargs="+",
        help="devices to run on (e.g. CPU:0 GPU:0); default: CPU:0 and every GPU, "
        "or nothing (exit 0) when there is no GPU",
    )
    parser.add_argument("-k", "--cases", default="", help="only cases whose name contains this")
    parser.add_argument(
        "--conformance", type=Path, help="the conformance/ directory (default: this checkout's)"
    )
    parser.add_argument("--tf32", action="store_true", help="leave TensorFloat-32 enabled")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; returns the exit status."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        from reference_runtime.export import import_tensorflow

        tf = import_tensorflow()
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from tools.export_parity._run import all_cases, format_table, run_case

    gpus = tf.config.list_physical_devices("GPU")
    devices = [d if d.startswith("/") else f"/{d}" for d in args.devices or []]
    if not devices:
        if not gpus:
            print(
                "no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU') is empty): "
                "GPU parity skipped. Install a GPU build of TensorFlow "
                "(pip install 'tensorflow[and-cuda]') on a machine with a GPU to run it."
            )
            return 0
        devices = ["/CPU:0"] + [f"/GPU:{i}" for i in range(len(gpus))]
    if not args.tf32:
        tf.config.experimental.enable_tensor_float_32_execution(False)
    if args.conformance:
        os.environ["KFORMAT_CONFORMANCE"] = str(args.conformance)
    cases = [c for c in all_cases() if args.cases in c.name]
    print(f"TensorFlow {tf.__version__}; devices {', '.join(devices)}; {len(cases)} cases")
    results = []
    failed: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kformat-parity-") as tmp:
        for case in cases:
            try:
                results.extend(run_case(case, Path(tmp), devices))
            except Exception as exc:  # report every case, then fail
                failed.append(f"{case.name}: {type(exc).__name__}: {exc}")
    print(format_table(results))
    for line in failed:
        print(f"FAILED {line}")
    bad = sum(not r.ok for r in results)
    print(
        f"{len(results)} comparisons, {bad} outside tolerance, {len(failed)} cases failed, "
        f"{time.perf_counter() - start:.1f}s"
    )
    return 0 if bad == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
