"""Recurrent layers: a 2-layer LSTM(256) (the first returns sequences) over 100 steps,
batch 32, 128 input features, float32.

    python -m benchmarks.bench_rnn [--json]

Side by side in one run: reference_runtime (the model loaded from its ``.keras``),
Keras' NumPy backend and TensorFlow (Keras on the TensorFlow backend under
``tf.function``), each in a fresh child process, and the GEMMs of the model alone
in NumPy: the two input projections (one GEMM per layer over all steps) plus the
200 recurrent ``(32, 256) @ (256, 1024)`` products. ``runtime - GEMM`` is the
time the runtime spends outside BLAS (gates, state updates, loop overhead).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._util import (
    CACHE,
    child_time,
    fmt_ratio,
    fmt_seconds,
    have,
    main_for,
    median_time,
    print_table,
)

UNITS, STEPS, BATCH, FEATURES = 256, 100, 32, 128


def lstm_file(units: int = UNITS, steps: int = STEPS, features: int = FEATURES) -> Path:
    """The 2-layer LSTM saved by reference_runtime (deterministic weights)."""
    import reference_runtime as rr

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lstm2_u{units}_t{steps}_d{features}.keras"
    if path.exists():
        return path
    L = rr.layers
    x = rr.Input((steps, features), name="x")
    h = L.LSTM(units, return_sequences=True, name="lstm_1")(x)
    y = L.LSTM(units, name="lstm_2")(h)
    model = rr.Model(x, y, name="lstm2")
    rng = np.random.default_rng(0)
    model.set_weights(
        [(rng.standard_normal(w.shape) * 0.05).astype(w.dtype) for w in model.get_weights()]
    )
    model.save(path)
    return path


def gemm_only(units: int, steps: int, batch: int, features: int) -> Any:
    """The model's GEMMs alone: one input projection per layer, one recurrent GEMM per step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch * steps, features)).astype(np.float32)
    h_seq = rng.standard_normal((batch * steps, units)).astype(np.float32)
    k1 = rng.standard_normal((features, 4 * units)).astype(np.float32)
    k2 = rng.standard_normal((units, 4 * units)).astype(np.float32)
    u = rng.standard_normal((units, 4 * units)).astype(np.float32)
    h = rng.standard_normal((batch, units)).astype(np.float32)
    out = np.empty((batch, 4 * units), np.float32)

    def run() -> None:
        np.matmul(x, k1)
        np.matmul(h_seq, k2)
        for _ in range(2 * steps):
            np.matmul(h, u, out=out)

    return run


def _keras_time(path: Path, shape: tuple[int, ...], backend: str, repeat: int) -> float | None:
    setup = (
        "import numpy as np, keras\n"
        f"m = keras.saving.load_model({str(path)!r}, compile=False)\n"
        f"x = np.random.default_rng(1).standard_normal({shape!r}).astype('float32')\n"
    )
    if backend == "tensorflow":
        setup += (
            "import tensorflow as tf\nf = tf.function(lambda t: m(t, training=False))\n"
            "x = tf.constant(x)\n"
        )
        op = "f(x).numpy()"
    else:
        op = "m(x, training=False)"
    setup += f"for _ in range(2):\n    {op}\n"
    return child_time(
        setup, op, repeat=repeat, env={"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    )


def run(
    *,
    repeat: int = 7,
    units: int = UNITS,
    steps: int = STEPS,
    batch: int = BATCH,
    features: int = FEATURES,
) -> dict[str, Any]:
    import reference_runtime as rr

    path = lstm_file(units, steps, features)
    x = np.random.default_rng(1).standard_normal((batch, steps, features)).astype(np.float32)
    model = rr.load_model(path)
    r: dict[str, Any] = {
        "units": units,
        "steps": steps,
        "batch": batch,
        "features": features,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
    r["runtime_s"] = median_time(lambda: model(x), repeat=repeat, warmup=2)
    r["gemm_s"] = median_time(gemm_only(units, steps, batch, features), repeat=repeat, warmup=2)
    keras_ok = have("keras") and have("jax")
    r["keras_numpy_s"] = _keras_time(path, x.shape, "numpy", 3) if keras_ok else None
    r["tensorflow_s"] = (
        _keras_time(path, x.shape, "tensorflow", repeat)
        if have("keras") and have("tensorflow")
        else None
    )
    return r


def report(r: dict[str, Any]) -> None:
    rt, gemm, kn, tf = r["runtime_s"], r["gemm_s"], r["keras_numpy_s"], r["tensorflow_s"]
    outside = (rt - gemm) / rt if rt > 0 else None
    rows = [
        ["reference_runtime", fmt_seconds(rt), "-"],
        [
            "Keras (numpy backend)",
            fmt_seconds(kn),
            "n/a" if kn is None else f"runtime {fmt_ratio(kn / rt)} faster",
        ],
        [
            "TensorFlow tf.function",
            fmt_seconds(tf),
            "n/a" if tf is None else f"runtime at {fmt_ratio(rt / tf)} of TF (target <= 1.5x)",
        ],
        [
            "GEMMs alone (NumPy)",
            fmt_seconds(gemm),
            "n/a" if outside is None else f"{outside:.0%} of the runtime outside GEMM",
        ],
    ]
    print_table(
        f"2-layer LSTM({r['units']}), {r['steps']} steps, batch {r['batch']}, "
        f"{r['features']} features (float32)",
        ["implementation", "median", "ratio"],
        rows,
    )


main = main_for(__doc__, run, report)

if __name__ == "__main__":
    raise SystemExit(main())
