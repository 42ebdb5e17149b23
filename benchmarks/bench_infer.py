"""Inference: a BERT-base encoder block and small MLPs, reference_runtime side by side
with Keras' NumPy backend, TensorFlow (tf.function), ONNX Runtime and the machine's
float32 GEMM peak (targets: BERT block >= 3x Keras numpy and within 1.3x of TensorFlow;
MLP call latency <= 1/10 of Keras numpy; the Dense-BatchNormalization-Dropout-Dense
classifier's call <= 0.02x of Keras numpy; ``predict`` over 2M rows at the default
arguments, wall and CPU time, against one call per 32-row batch as Keras runs it).

ONNX Runtime runs the same model exported through ``reference_runtime.export``
(SavedModel) and converted by ``tf2onnx``; both are optional (n/a without them)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def classifier_file() -> Path:
    """Dense(32, relu) -> BatchNormalization -> Dropout -> Dense(3, softmax) on 16 features."""
    import reference_runtime as rr

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "classifier16.keras"
    if path.exists():
        return path
    layers = rr.layers
    model = rr.Sequential(
        [
            rr.Input((16,)),
            layers.Dense(32, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            (np.abs(rng.standard_normal(w.shape)) + 0.5).astype("float32")
            if "variance" in w.path
            else rng.standard_normal(w.shape).astype("float32")
            for w in model.weights
        ]
    )
    model.save(path)
    return path


def onnx_file(path: Path) -> Path | None:
    """``path``'s model as ONNX: SavedModel through ``reference_runtime.export``, then
    ``python -m tf2onnx.convert --saved-model`` (None without tensorflow/tf2onnx)."""
    if not (have("tensorflow") and have("tf2onnx")):
        return None
    out = path.with_suffix(".onnx")
    if out.exists():
        return out
    saved = path.with_suffix(".savedmodel")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    export = (
        "import reference_runtime as rr\n"
        f"rr.load_model({str(path)!r}).export({str(saved)!r}, verbose=False)\n"
    )
    convert = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(saved)]
    convert += ["--signature_def", "serve", "--output", str(out)]
    for cmd in ([sys.executable, "-c", export], convert):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-2000:])
            return None
    return out


def _ort_setup(path: Path, x_setup: str) -> str:
    return (
        "import numpy as np, onnxruntime as ort\n"
        f"sess = ort.InferenceSession({str(path)!r}, providers=['CPUExecutionProvider'])\n"
        "name = sess.get_inputs()[0].name\n"
        f"{x_setup}\n"
        "for _ in range(2):\n    sess.run(None, {name: x})\n"
    )


def _ort_time(path: Path, shape: tuple[int, ...], repeat: int) -> float | None:
    if not have("onnxruntime"):
        return None
    x_setup = f"x = np.random.default_rng(1).standard_normal({shape!r}).astype('float32')"
    return child_time(_ort_setup(path, x_setup), "sess.run(None, {name: x})", repeat=repeat)


def _predict_times(path: Path, rows: int) -> dict[str, float]:
    """Wall and CPU seconds of ``predict`` at the default arguments over ``rows`` rows,
    and of the same model called once per 32-row batch (Keras' default batches)."""
    import reference_runtime as rr

    model = rr.load_model(path)
    x = np.random.default_rng(3).standard_normal((rows, 16)).astype(np.float32)

    def per_batch() -> Any:
        return np.concatenate([model(x[i : i + 32]) for i in range(0, rows, 32)])

    out: dict[str, float] = {}
    for key, fn in (("predict", lambda: model.predict(x, verbose=0)), ("batches32", per_batch)):
        fn()  # warm-up (and the plans)
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        out[f"{key}_wall_s"] = time.perf_counter() - wall
        out[f"{key}_cpu_s"] = time.process_time() - cpu
    return out


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


def run(
    *, repeat: int = 5, seq: int = SEQ, batch: int = BATCH, rows: int = 2_000_000
) -> dict[str, Any]:
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
    r.update(run_classifier(rows=rows, x1=x1[:, :16].copy()))
    return r


def run_classifier(*, rows: int = 2_000_000, x1: Any = None) -> dict[str, Any]:
    """The classifier's call latency against Keras numpy and ONNX Runtime, and
    ``predict`` over ``rows`` rows (``python -c "from benchmarks import bench_infer as b;
    b.report_classifier(b.run_classifier())"`` runs only this part)."""
    if x1 is None:
        x1 = np.random.default_rng(2).standard_normal((1, 16)).astype(np.float32)
    has_keras = have("keras") and have("jax")
    r: dict[str, Any] = {}
    clf = classifier_file()
    r["clf_runtime_s"] = _runtime_time(clf, x1, 2000)
    r["clf_keras_numpy_s"] = (
        _keras_time(clf, (1, 16), "numpy", tf_function=False, repeat=500) if has_keras else None
    )
    clf_onnx = onnx_file(clf)
    r["clf_onnx"] = "tf2onnx from the exported SavedModel" if clf_onnx else None
    r["clf_ort_s"] = _ort_time(clf_onnx, (1, 16), 2000) if clf_onnx else None
    r["rows"] = rows
    r.update(_predict_times(clf, rows))
    r["ort_rows_s"] = _ort_time(clf_onnx, (rows, 16), 3) if clf_onnx else None
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
    report_classifier(r)


def report_classifier(r: dict[str, Any]) -> None:
    def us(t: float | None) -> str:
        return "n/a" if t is None else f"{t * 1e6:.1f} us"

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    def fmt3(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}x"

    rt = r["clf_runtime_s"]
    rows = [
        ["reference_runtime", us(rt), "-"],
        [
            "Keras (numpy backend)",
            us(r["clf_keras_numpy_s"]),
            f"runtime at {fmt3(ratio(rt, r['clf_keras_numpy_s']))} (target <= 0.02x)",
        ],
        [
            "ONNX Runtime (CPU)",
            us(r["clf_ort_s"]),
            f"runtime at {fmt_ratio(ratio(rt, r['clf_ort_s']))} of ONNX Runtime",
        ],
    ]
    print_table(
        "Dense(32)-BatchNormalization-Dropout-Dense(3) on 16 features, batch 1, per call (median)",
        ["implementation", "median", "ratio"],
        rows,
    )
    n = r["rows"]
    rows = [
        [
            "predict(x) (default arguments)",
            fmt_seconds(r["predict_wall_s"]),
            fmt_seconds(r["predict_cpu_s"]),
            f"{fmt_ratio(ratio(r['batches32_wall_s'], r['predict_wall_s']))} faster than per-batch calls",
        ],
        [
            "one model(x) call per 32-row batch",
            fmt_seconds(r["batches32_wall_s"]),
            fmt_seconds(r["batches32_cpu_s"]),
            "-",
        ],
        ["ONNX Runtime, one run over all rows", fmt_seconds(r["ort_rows_s"]), "-", "-"],
    ]
    print_table(
        f"The same classifier over {n:,} rows", ["implementation", "wall", "CPU", "ratio"], rows
    )


main = main_for(__doc__, run, report)


if __name__ == "__main__":
    raise SystemExit(main())
