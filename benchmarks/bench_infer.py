"""Inference: a BERT-base encoder block and a small MLP, reference_runtime side by side
with Keras' NumPy backend, TensorFlow (tf.function) and the machine's float32 GEMM peak
(targets: BERT block >= 3x Keras numpy and within 1.3x of TensorFlow; MLP call
latency <= 1/10 of Keras numpy)."""

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

SEQ, WIDTH, HEADS, FF, BATCH = 128, 768, 12, 3072, 8


def bert_block_file(seq: int = SEQ, batch: int = BATCH) -> Path:
    """A post-LN encoder block saved by reference_runtime (deterministic weights)."""
    import reference_runtime as rr

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bert_block_s{seq}.keras"
    if path.exists():
        return path
    L = rr.layers
    x_in = rr.Input((seq, WIDTH), name="x")
    a = L.MultiHeadAttention(num_heads=HEADS, key_dim=WIDTH // HEADS, name="mha")(x_in, x_in)
    h = L.LayerNormalization(epsilon=1e-12, name="ln1")(L.Add()([x_in, a]))
    f = L.Dense(FF, activation="gelu", name="ff1")(h)
    f = L.Dense(WIDTH, name="ff2")(f)
    out = L.LayerNormalization(epsilon=1e-12, name="ln2")(L.Add()([h, f]))
    model = rr.Model(x_in, out, name="bert_block")
    rng = np.random.default_rng(0)
    model.set_weights(
        [(rng.standard_normal(w.shape) * 0.02).astype(w.dtype) for w in model.get_weights()]
    )
    model.save(path)
    return path


def mlp_file() -> Path:
    import reference_runtime as rr

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "mlp32.keras"
    if path.exists():
        return path
    model = rr.Sequential(
        [
            rr.Input((32,)),
            rr.layers.Dense(32, activation="relu"),
            rr.layers.Dense(32, activation="relu"),
            rr.layers.Dense(32),
        ]
    )
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    model.save(path)
    return path


def bert_flops(seq: int, batch: int) -> float:
    tokens = seq * batch
    proj = 2 * 4 * WIDTH * WIDTH  # q, k, v, output projections
    ffn = 2 * 2 * WIDTH * FF
    attn = 2 * 2 * seq * WIDTH  # scores and weighted sum
    return float(tokens * (proj + ffn + attn))


def gemm_peak(n: int = 2048) -> float:
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    t = median_time(lambda: a @ a, repeat=5)
    return 2 * n**3 / t


def _runtime_time(path: Path, x: np.ndarray[Any, Any], repeat: int) -> float:
    import reference_runtime as rr

    model = rr.load_model(path)
    return median_time(lambda: model(x), repeat=repeat, warmup=2)


def _keras_time(
    path: Path, shape: tuple[int, ...], backend: str, *, tf_function: bool, repeat: int
) -> float | None:
    setup = (
        "import numpy as np, keras\n"
        f"m = keras.saving.load_model({str(path)!r}, compile=False)\n"
        f"x = np.random.default_rng(1).standard_normal({shape!r}).astype('float32')\n"
    )
    if tf_function:
        setup += "import tensorflow as tf\nf = tf.function(lambda t: m(t, training=False))\nx = tf.constant(x)\n"
        op = "f(x)"
    else:
        op = "m(x, training=False)"
    setup += f"for _ in range(2):\n    {op}\n"
    return child_time(
        setup, op, repeat=repeat, env={"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    )


def run(*, repeat: int = 5, seq: int = SEQ, batch: int = BATCH) -> dict[str, Any]:
    r: dict[str, Any] = {
        "seq": seq,
        "batch": batch,
        "gemm_flops": gemm_peak(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
    path = bert_block_file(seq)
    x = np.random.default_rng(1).standard_normal((batch, seq, WIDTH)).astype(np.float32)
    r["flops"] = bert_flops(seq, batch)
    r["runtime_s"] = _runtime_time(path, x, repeat)
    has_keras = have("keras") and have("jax")
    r["keras_numpy_s"] = (
        _keras_time(path, x.shape, "numpy", tf_function=False, repeat=3) if has_keras else None
    )
    r["tensorflow_s"] = (
        _keras_time(path, x.shape, "tensorflow", tf_function=True, repeat=repeat)
        if have("keras") and have("tensorflow")
        else None
    )
    mlp = mlp_file()
    x1 = np.random.default_rng(2).standard_normal((1, 32)).astype(np.float32)
    r["mlp_runtime_s"] = _runtime_time(mlp, x1, 200)
    r["mlp_keras_numpy_s"] = (
        _keras_time(mlp, x1.shape, "numpy", tf_function=False, repeat=200) if has_keras else None
    )
    return r


def report(r: dict[str, Any]) -> None:
    def gf(t: float | None) -> str:
        return (
            "n/a"
            if not t
            else f"{r['flops'] / t / 1e9:.0f} GFLOP/s ({r['flops'] / t / r['gemm_flops']:.0%} of GEMM)"
        )

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    rows = [
        ["reference_runtime", fmt_seconds(r["runtime_s"]), gf(r["runtime_s"]), "-"],
        [
            "Keras (numpy backend)",
            fmt_seconds(r["keras_numpy_s"]),
            gf(r["keras_numpy_s"]),
            f"runtime {fmt_ratio(ratio(r['keras_numpy_s'], r['runtime_s']))} faster (target >= 3x)",
        ],
        [
            "TensorFlow tf.function",
            fmt_seconds(r["tensorflow_s"]),
            gf(r["tensorflow_s"]),
            f"runtime at {fmt_ratio(ratio(r['runtime_s'], r['tensorflow_s']))} of TF (target <= 1.3x)",
        ],
        ["float32 GEMM peak (2048^2)", "-", f"{r['gemm_flops'] / 1e9:.0f} GFLOP/s", "-"],
    ]
    print_table(
        f"BERT-base block, batch {r['batch']}, seq {r['seq']} ({r['flops'] / 1e9:.1f} GFLOP)",
        ["implementation", "median", "throughput", "ratio"],
        rows,
    )
    rows = [
        ["reference_runtime", f"{r['mlp_runtime_s'] * 1e6:.0f} us", "-"],
        [
            "Keras (numpy backend)",
            "n/a" if r["mlp_keras_numpy_s"] is None else f"{r['mlp_keras_numpy_s'] * 1e6:.0f} us",
            f"runtime at {fmt_ratio(ratio(r['mlp_runtime_s'], r['mlp_keras_numpy_s']))} (target <= 0.10x)",
        ],
    ]
    print_table(
        "3-layer MLP, width 32, batch 1, per call", ["implementation", "median", "ratio"], rows
    )
    print(f"\n(OpenBLAS core type: {r['openblas_coretype'] or 'auto-detected'})")


main = main_for(__doc__, run, report)


if __name__ == "__main__":
    raise SystemExit(main())
