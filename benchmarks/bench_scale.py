"""How open, load, validate and inference time grow with model size: several sizes
each, with the fitted growth exponent (1.0 = linear; no hidden quadratic step)."""

from __future__ import annotations

from typing import Any

import numpy as np

import kformat
from benchmarks._models import dense_stack_file, many_layers_file
from benchmarks._util import fmt_seconds, main_for, median_time, print_table

SIZES_MB = (50, 100, 200, 400)
LAYER_COUNTS = (6, 12, 24, 48)  # many-layers axis: per-object cost must stay flat
CONFIG_LAYERS = (250, 500, 1000, 2000)  # config size axis for validation


def _io_row(size_mb: int) -> dict[str, Any]:
    path = dense_stack_file(size_mb)
    return {
        "size_mb": size_mb,
        "open_s": median_time(lambda: kformat.read(path)),
        "load_s": median_time(lambda: kformat.read(path).weights.materialize()),  # type: ignore[attr-defined]
        "validate_s": median_time(lambda: kformat.check(path)),
    }


def _infer_row(depth: int) -> dict[str, Any]:
    import reference_runtime as rr

    layers = [rr.Input((256,))] + [rr.layers.Dense(256, activation="relu") for _ in range(depth)]
    model = rr.Sequential(layers)
    rng = np.random.default_rng(0)
    # He-scaled weights keep activations O(1) at every depth (no denormal slowdowns).
    model.set_weights(
        [
            (rng.standard_normal(w.shape) * np.sqrt(2.0 / 256)).astype(np.float32)
            for w in model.get_weights()
        ]
    )
    x = rng.standard_normal((64, 256)).astype(np.float32)
    return {"layers": depth, "infer_s": median_time(lambda: model(x), repeat=20, warmup=3)}


def _config_row(depth: int) -> dict[str, Any]:
    path = many_layers_file(depth)
    return {"layers": depth, "validate_s": median_time(lambda: list(kformat.iter_issues(path)))}


def run() -> dict[str, Any]:
    return {
        "io": [_io_row(s) for s in SIZES_MB],
        "infer": [_infer_row(d) for d in LAYER_COUNTS],
        "config": [_config_row(d) for d in CONFIG_LAYERS],
    }


def _growth(values: list[float], sizes: tuple[int, ...]) -> str:
    """Exponent k in time ~ size^k, fitted on the log-log points."""
    k = np.polyfit(np.log(sizes), np.log(values), 1)[0]
    return f"{k:.2f}"


def report(r: dict[str, Any]) -> None:
    rows = [
        [
            f"{row['size_mb']} MB",
            fmt_seconds(row["open_s"]),
            fmt_seconds(row["load_s"]),
            fmt_seconds(row["validate_s"]),
        ]
        for row in r["io"]
    ]
    io = r["io"]
    rows.append(
        [
            "growth exponent",
            _growth([x["open_s"] for x in io], SIZES_MB),
            _growth([x["load_s"] for x in io], SIZES_MB),
            _growth([x["validate_s"] for x in io], SIZES_MB) if io[0]["validate_s"] else "n/a",
        ]
    )
    print_table(
        "Scaling with file size (Dense stacks of width 2048)",
        ["size", "open", "load", "validate"],
        rows,
    )
    rows = [[str(row["layers"]), fmt_seconds(row["infer_s"])] for row in r["infer"]]
    rows.append(["growth exponent", _growth([x["infer_s"] for x in r["infer"]], LAYER_COUNTS)])
    print_table("Inference scaling with depth (Dense 256, batch 64)", ["layers", "call"], rows)
    rows = [[str(row["layers"]), fmt_seconds(row["validate_s"])] for row in r["config"]]
    rows.append(["growth exponent", _growth([x["validate_s"] for x in r["config"]], CONFIG_LAYERS)])
    print_table(
        "Validation scaling with config size (Dense(4) layers, 4 HDF5 objects each)",
        ["layers", "validate"],
        rows,
    )
    print(
        "\n(growth exponent 1.0 = linear; open and validate read no weight bytes, so they grow with "
        "the number of layers, not the bytes)"
    )


main = main_for(__doc__, run, report)


if __name__ == "__main__":
    raise SystemExit(main())
