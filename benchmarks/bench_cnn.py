"""CNN inference: ResNet50 and MobileNetV2 from ``keras.applications`` (weights=None,
224x224) at batch 1 and 8 — reference_runtime side by side with Keras' NumPy
backend, Keras on JAX (eager ``model(x)``), and TensorFlow ``tf.function`` over
the Keras model on the TensorFlow backend (and, for reference, the runtime's own
TensorFlow export traced the same way); achieved conv+dense GFLOP/s against
the float32 GEMM peak; and load time, runtime vs ``keras.saving.load_model``.
Targets: ResNet50 <= 1.2x TensorFlow's time, MobileNetV2 <= 1.5x, both >= 2x
faster than Keras NumPy; loading >= 5x faster than Keras.

``--profile`` adds the runtime's time per layer class at the largest batch."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks import _cnn
from benchmarks._util import dump_json, fmt_ratio, fmt_seconds, have, median_time, print_table
from benchmarks.bench_infer import gemm_peak

MODELS = ("ResNet50", "MobileNetV2")
#: runtime time / TensorFlow time each model should stay under
TF_TARGET = {"ResNet50": 1.2, "MobileNetV2": 1.5}
#: (result key, Keras backend, tf.function)
KERAS_RUNS = (
    ("keras_numpy", "numpy", False),
    ("keras_jax", "jax", False),
    ("tensorflow", "tensorflow", True),
    ("runtime_tf", "export", True),
)


def run(
    *,
    models: Sequence[str] = MODELS,
    size: int = 224,
    batches: Sequence[int] = (1, 8),
    repeat: int = 3,
    keras_backends: Sequence[str] = ("numpy", "jax", "tensorflow", "export"),
    profile: bool = False,
) -> dict[str, Any]:
    import kformat
    import reference_runtime as rr

    files = {name: _cnn.model_file(name, size) for name in models}
    r: dict[str, Any] = {"size": size, "batches": list(batches), "gemm_flops": gemm_peak()}
    for name, path in files.items():
        m = r[name] = {
            "flops_per_sample": _cnn.model_flops(path),
            "file_bytes": path.stat().st_size,
        }
        m["read_s"] = median_time(lambda p=path: kformat.read(p), repeat=3)
        m["load_s"] = median_time(lambda p=path: rr.load_model(p), repeat=3)
        model = rr.load_model(path)
        for b in batches:
            x = np.random.default_rng(1).standard_normal((b, size, size, 3)).astype(np.float32)
            m[f"runtime_{b}"] = median_time(
                lambda x=x, model=model: model(x), repeat=repeat, warmup=2
            )
        if profile:
            x = np.random.default_rng(1).standard_normal((max(batches), size, size, 3))
            m["profile"] = _cnn.profile(model, x.astype(np.float32), path)
    for key, backend, tf_function in KERAS_RUNS:
        needed = "tensorflow" if backend in ("tensorflow", "export") else backend
        if backend not in keras_backends or not (have("keras") and have(needed)):
            continue
        got = _cnn.keras_times(
            files,
            backend,
            batches,
            tf_function=tf_function,
            load=backend == "numpy",
            repeat=repeat,
        )
        for name in models:
            for b in batches:
                r[name][f"{key}_{b}"] = got[name][str(b)] if got else None
            if backend == "numpy":
                r[name]["keras_load_s"] = got[name]["load_s"] if got else None
    return r


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def report(r: dict[str, Any]) -> None:
    peak = r["gemm_flops"]
    for name in MODELS:
        m = r.get(name)
        if m is None:
            continue
        rows = []
        for b in r["batches"]:
            flops = m["flops_per_sample"] * b
            ours = m.get(f"runtime_{b}")

            def gf(t: float | None, flops: float = flops) -> str:
                return "n/a" if not t else f"{flops / t / 1e9:.0f} ({flops / t / peak:.0%})"

            for key, label in (
                ("runtime", "reference_runtime"),
                ("keras_numpy", "Keras (numpy backend)"),
                ("keras_jax", "Keras (JAX, eager)"),
                ("tensorflow", "TensorFlow tf.function"),
                ("runtime_tf", "runtime's TF export"),
            ):
                t = m.get(f"{key}_{b}")
                if key == "runtime":
                    note = "-"
                elif key == "tensorflow":
                    note = (
                        f"runtime at {fmt_ratio(_ratio(ours, t))} of TF "
                        f"(target <= {TF_TARGET.get(name, 1.5)}x)"
                    )
                else:
                    target = " (target >= 2x)" if key == "keras_numpy" else ""
                    note = f"runtime's speed-up {fmt_ratio(_ratio(t, ours))}{target}"
                if key == "runtime_tf":
                    note = f"{fmt_ratio(_ratio(t, m.get(f'tensorflow_{b}')))} of Keras on TF"
                rows.append([str(b), label, fmt_seconds(t), gf(t), note])
        print_table(
            f"{name}, {r['size']}x{r['size']} ({m['flops_per_sample'] / 1e9:.2f} GFLOP/sample"
            f" conv+dense; GEMM peak {peak / 1e9:.0f} GFLOP/s)",
            ["batch", "implementation", "median", "GFLOP/s (of peak)", "ratio"],
            rows,
        )
        load = m.get("keras_load_s")
        print_table(
            f"{name}: load ({m['file_bytes'] / 1e6:.0f} MB .keras)",
            ["operation", "median", "ratio"],
            [
                ["kformat.read", fmt_seconds(m["read_s"]), "-"],
                [
                    "reference_runtime.load_model",
                    fmt_seconds(m["load_s"]),
                    f"speed-up over Keras {fmt_ratio(_ratio(load, m['load_s']))} (target >= 5x)",
                ],
                ["keras.saving.load_model", fmt_seconds(load), "-"],
            ],
        )
        if "profile" in m:
            total = sum(t for _, t, _ in m["profile"]) or 1.0
            print_table(
                f"{name}: runtime time per layer class, batch {max(r['batches'])}",
                ["class", "time", "share", "GFLOP/s"],
                [
                    [cls, fmt_seconds(t), f"{t / total:.0%}", f"{fl / t / 1e9:.0f}" if fl else "-"]
                    for cls, t, fl in m["profile"]
                ],
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="per-layer-class runtime times")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args(argv)
    results = run(models=args.models.split(","), size=args.size, profile=args.profile)
    if args.json:
        dump_json(results)
    else:
        report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
