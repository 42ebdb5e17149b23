"""Write the real-Keras oracle corpus (conformance/keras_files/<writer-tag>/<case>/).

Runs unchanged under Keras 3 (any 3.x; KERAS_BACKEND defaults to jax here), tf.keras 2.14
(`from tensorflow import keras`) and tf_keras 2.x (`TF_USE_LEGACY_KERAS=1`, `import tf_keras`).
The flavour is detected (override with --flavour). Cases live in keras_cases.py and the
keras_cases_*.py modules (one per concept: cnn, preprocessing, normalization, attention,
shape) that main() imports; each registers its cases in keras_cases.CASES.

Usage:
    python conformance/recipes/keras_models.py --out conformance/keras_files/keras-3.15.1
    python conformance/recipes/keras_models.py --out-root conformance/keras_files   # tag derived
    python conformance/recipes/keras_models.py --print-tag
    python conformance/recipes/keras_models.py --out-root ... --cases mha_self,mha_cross

Each case folder gets the file(s) Keras wrote, inputs.npz, outputs.npz and made.json. Cases a
writer cannot build are listed in SKIPPED.md (and writer.json) with the reason. Determinism:
fixed per-case seeds (crc32 of the case name); every weight is overwritten from a seeded NumPy
RNG after building. What Keras itself stamps (metadata.json date_saved, the zip time of the
weights member) differs between runs; everything else is reproducible for a given environment.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import traceback
import zlib
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Quiet TensorFlow and keep it off any accelerator; Keras 3 defaults to the jax backend here.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# oneDNN reorders float sums (TF prints "slightly different numerical results"); keep TF plain.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ACTIVATION_CANDIDATES = [
    "relu",
    "relu6",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "softplus",
    "softsign",
    "silu",
    "swish",
    "gelu",
    "elu",
    "selu",
    "celu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "exponential",
    "mish",
    "linear",
    "glu",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "log_sigmoid",
    "squareplus",
    "sparse_plus",
    "sparsemax",
    "sparse_sigmoid",
    "threshold",
]


def detect_flavour(requested: str | None) -> str:
    if requested:
        return requested
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1" and importlib.util.find_spec("tf_keras"):
        return "tf_keras"
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    return "keras3" if keras.__version__.startswith("3.") else "tf.keras"


class Ctx:
    """Flavour-aware handle on the Keras under test, plus the per-case RNG."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.tf_version: str | None = None
        if flavour == "keras3":
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import keras as K

            self.keras_version = K.__version__
            self.writer = "keras"
            self.tag = f"keras-{K.__version__}"
            self.backend = K.backend.backend()
        elif flavour == "tf.keras":
            import keras as keras_pkg
            import tensorflow as tf
            from tensorflow import keras as K

            self.keras_version = keras_pkg.__version__
            self.tf_version = tf.__version__
            self.writer = "tf.keras"
            self.tag = f"tf.keras-{tf.__version__}"
            self.backend = "tensorflow"
        elif flavour == "tf_keras":
            import tensorflow as tf
            import tf_keras as K

            self.keras_version = K.__version__
            self.tf_version = tf.__version__
            self.writer = "tf_keras"
            self.tag = f"tf_keras-{K.__version__}"
            self.backend = "tensorflow"
        else:
            raise SystemExit(f"unknown flavour {flavour!r}")
        self.keras = K
        self.version = tuple(int(p) for p in self.keras_version.split(".")[:2])
        self.rng = np.random.default_rng(0)
        self._custom_cls: Any = None
        self._probe_activations()

    # -- helpers used by the case builders -------------------------------------------------

    def normal(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape).astype("float32")

    @staticmethod
    def layer_name_of(tensor: Any) -> str:
        hist = tensor._keras_history
        op = getattr(hist, "operation", None) or getattr(hist, "layer", None) or hist[0]
        return str(op.name)

    def custom_layer_class(self) -> Any:
        if self._custom_cls is None:
            import keras_cases

            self._custom_cls = keras_cases.make_scale_layer(self.keras)
        return self._custom_cls

    def _probe_activations(self) -> None:
        """Activations this version can apply by name without extra arguments, deduplicated by
        the name they serialize to."""
        acts = self.keras.activations
        probe: Any = np.linspace(-3, 3, 8, dtype="float32").reshape(2, 4)
        if self.flavour != "keras3":  # Keras 2 activations expect tf tensors (x.shape.rank)
            import tensorflow as tf

            probe = tf.constant(probe)
        self.activation_candidates = ACTIVATION_CANDIDATES
        self.activation_aliases: dict[str, str] = {}
        self.activations: list[str] = []
        for name in ACTIVATION_CANDIDATES:
            try:
                fn = acts.get(name)
                to_numpy(fn(probe))
                canonical = acts.serialize(fn)
            except Exception:
                continue
            if not isinstance(canonical, str):  # serialized as a dict: keep the requested name
                canonical = name
            self.activation_aliases[name] = canonical
            if canonical not in self.activations:
                self.activations.append(canonical)

    # -- per-case state ---------------------------------------------------------------------

    def reset(self, seed: int) -> None:
        K = self.keras
        K.backend.clear_session()
        K.mixed_precision.set_global_policy("float32")
        K.utils.set_random_seed(seed)
        if self.flavour != "keras3":
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
        self.rng = np.random.default_rng(seed)


def case_seed(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def variable_path(v: Any) -> str:
    return str(getattr(v, "path", None) or v.name)


def seeded_weights(model: Any, rng: np.random.Generator) -> list[np.ndarray]:
    """A value for every model weight, shaped and scaled by what the variable is."""
    values = []
    for v in model.weights:
        name = variable_path(v).split("/")[-1].split(":")[0]
        shape = tuple(int(d) for d in v.shape)
        if name in ("gamma", "scale"):  # BN / LN gamma, RMSNormalization and ScaleShift scale
            val = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name == "moving_variance":
            val = rng.uniform(0.5, 2.0, shape)
        elif name in ("beta", "moving_mean"):
            val = (0.3 if name == "moving_mean" else 0.2) * rng.standard_normal(shape)
        elif len(shape) >= 2:
            val = rng.standard_normal(shape) / np.sqrt(shape[0])
        else:
            val = 0.2 * rng.standard_normal(shape)
        values.append(val.astype("float32"))
    return values


def feed_of(built: Any) -> Any:
    arrays = list(built.inputs.values())
    if built.input_structure == "single":
        return arrays[0]
    if built.input_structure == "list":
        return arrays
    return dict(built.inputs)


def to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def outputs_of(built: Any, raw: Any) -> dict[str, np.ndarray]:
    names = built.output_names
    if built.output_structure == "single":
        if isinstance(raw, (list, tuple)):
            raise ValueError(f"expected one output, got {len(raw)}")
        items = [raw]
    elif built.output_structure == "list":
        items = list(raw)
    else:
        if set(raw) != set(names):
            raise ValueError(f"output keys {sorted(raw)} != {names}")
        items = [raw[n] for n in names]
    if len(items) != len(names):
        raise ValueError(f"{len(items)} outputs but {len(names)} names")
    return {n: to_numpy(a) for n, a in zip(names, items, strict=True)}


PLAIN_DTYPES = {
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
}


def is_text(a: np.ndarray) -> bool:
    return np.asarray(a).dtype.kind in "USO"


def storable(a: np.ndarray) -> np.ndarray:
    """Plain NumPy dtypes only: bfloat16 (an ml_dtypes / TF extension type) widens to float32;
    strings become UTF-8 bytes (``S`` dtype: no pickles, unlike object arrays)."""
    if is_text(a):
        flat = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in a.ravel().tolist()]
        return np.array(flat, dtype=bytes).reshape(a.shape)
    if a.dtype.name in PLAIN_DTYPES:
        return a
    return a.astype("float32")


def predict(model: Any, built: Any) -> dict[str, np.ndarray]:
    n = len(next(iter(built.inputs.values())))
    if any(is_text(a) for a in built.inputs.values()):
        # Keras 3's predict() refuses NumPy string arrays; the model takes tf.string tensors.
        import tensorflow as tf

        if hasattr(model, "_run_through_graph"):
            # Keras 3 converts call inputs with its backend (jax/numpy cannot hold strings);
            # its string layers run TensorFlow ops whatever the backend, so run the graph
            # eagerly on tf.string tensors in the model's input order.
            tensors = [tf.constant(a) for a in built.inputs.values()]
            return outputs_of(built, model._run_through_graph(tensors, operation_fn=lambda op: op))
        feed = feed_of(built)
        if isinstance(feed, dict):
            feed = {k: tf.constant(v) for k, v in feed.items()}
        elif isinstance(feed, list):
            feed = [tf.constant(v) for v in feed]
        else:
            feed = tf.constant(feed)
        raw = model(feed, training=False)
        return outputs_of(built, list(raw) if isinstance(raw, tuple) else raw)
    return outputs_of(built, model.predict(feed_of(built), batch_size=n, verbose=0))


def max_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    return max(float(np.max(np.abs(a[k].astype("float64") - b[k].astype("float64")))) for k in a)


def rel_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# layout -> saver(ctx, model, folder) -> made.json keys; registered by other recipes.
EXTRA_LAYOUTS: dict[str, Any] = {}


def save_model_files(ctx: Ctx, layout: str, model: Any, folder: Path) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if layout == "keras":
        model.save(str(folder / "model.keras"))
        info["model_file"] = "model.keras"
    elif layout == "directory":
        model.save(str(folder / "model"), zipped=False)
        info["model_file"] = "model"
    elif layout == "weights_h5":
        model.save_weights(str(folder / "model.weights.h5"))
        model.save(str(folder / "model.keras"))
        info["model_file"] = "model.weights.h5"
        info["architecture_file"] = "model.keras"
    elif layout == "sharded":
        model.save_weights(str(folder / "model.weights.json"), max_shard_size=4100 / 1024**3)
        model.save(str(folder / "model.keras"))
        info["model_file"] = "model.weights.json"
        info["architecture_file"] = "model.keras"
        info["max_shard_size_bytes"] = 4100
    elif layout in EXTRA_LAYOUTS:  # layouts of other corpora (keras2_files.py)
        info.update(EXTRA_LAYOUTS[layout](ctx, model, folder))
    else:
        raise ValueError(layout)
    return info


def reload_check(
    ctx: Ctx,
    case: Any,
    built: Any,
    folder: Path,
    info: dict[str, Any],
    expected: dict[str, np.ndarray],
) -> str:
    """Load what was written with the same Keras and compare outputs (a self-consistency check)."""
    K = ctx.keras
    try:
        if case.layout in ("weights_h5", "sharded"):
            ctx.reset(case_seed(case.name) + 1)
            fresh = case.build(ctx)
            fresh.model.load_weights(str(folder / info["model_file"]))
            got = predict(fresh.model, built)
            how = "fresh build + load_weights"
        else:
            loaded = K.models.load_model(str(folder / info["model_file"]))
            got = predict(loaded, built)
            how = "load_model"
        diff = max_diff(expected, got)
        ok = all(
            np.allclose(expected[k], got[k], rtol=built.rtol, atol=built.atol) for k in expected
        )
        return f"{'ok' if ok else 'MISMATCH'}: {how}, max abs diff {diff:.3g}"
    except Exception as e:  # recorded, not fatal: the file is what Keras wrote
        lines = [
            ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(e)).splitlines() if ln.strip()
        ]
        return f"failed: {type(e).__name__}: {' '.join(lines[:3])[:500]}"


def make_case(ctx: Ctx, case: Any, folder: Path, note: str = "") -> dict[str, Any]:
    ctx.reset(case_seed(case.name))
    built = case.build(ctx)
    model = built.model
    notes = [n for n in (built.notes, note) if n]
    if built.set_weights:
        model.set_weights(seeded_weights(model, ctx.rng))
    if built.train is not None:
        built.train(model)
    ctx.keras.mixed_precision.set_global_policy("float32")
    outputs = predict(model, built)

    folder.mkdir(parents=True)
    info = save_model_files(ctx, case.layout, model, folder)
    np.savez(folder / "inputs.npz", **{k: storable(v) for k, v in built.inputs.items()})
    np.savez(folder / "outputs.npz", **{k: storable(v) for k, v in outputs.items()})
    widened = {k: str(v.dtype) for k, v in outputs.items() if storable(v) is not v}
    if widened:
        notes.append(f"outputs widened to float32 for outputs.npz (Keras dtype: {widened})")
    if case.layout in ("weights_h5", "sharded"):
        notes.append(
            f"{info['architecture_file']} is the same model saved with model.save(), "
            f"so the architecture is known"
        )
    empty = sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir() and not any(p.iterdir())
    )
    if empty:
        info["empty_dirs"] = empty
        notes.append(f"Keras also wrote the empty directories {empty}, which git does not store")
    check = reload_check(ctx, case, built, folder, info, outputs)
    made = {
        "writer": ctx.writer,
        "version": ctx.keras_version,
        "backend": ctx.backend,
        "python": platform.python_version(),
        "case": case.name,
        "description": case.description,
        "input_names": list(built.inputs),
        "output_names": list(built.output_names),
        "input_structure": built.input_structure,
        "output_structure": built.output_structure,
        "layout": case.layout,
        "compiled": built.compiled,
        "rtol": built.rtol,
        "atol": built.atol,
        "notes": " ".join(notes),
        "writer_tag": ctx.tag,
        "versions": versions(ctx),
        "seed": case_seed(case.name),
        **info,
        "files": rel_files(folder),
        "input_shapes": {k: list(v.shape) for k, v in built.inputs.items()},
        "input_dtypes": {k: str(v.dtype) for k, v in built.inputs.items()},
        "output_shapes": {k: list(v.shape) for k, v in outputs.items()},
        "output_dtypes": {k: str(v.dtype) for k, v in outputs.items()},
        "reload_check": check,
        **built.extra,
    }
    (folder / "made.json").write_text(json.dumps(made, indent=2) + "\n")
    return made


def versions(ctx: Ctx) -> dict[str, str]:
    out = {"keras": ctx.keras_version, "numpy": np.__version__}
    for mod in ("h5py", "jax", "jaxlib", "tensorflow", "ml_dtypes"):
        if mod == "tensorflow" and ctx.flavour == "keras3":
            continue
        if mod in ("jax", "jaxlib") and ctx.flavour != "keras3":
            continue
        with contextlib.suppress(Exception):
            out[mod] = importlib.import_module(mod).__version__
    return out


def write_skipped(out: Path, ctx: Ctx, produced: list[str], skipped: dict[str, str]) -> None:
    backends = {
        name: json.loads((out / name / "made.json").read_text())["backend"] for name in produced
    }
    main_backend = "jax" if ctx.flavour == "keras3" else ctx.backend
    doc = {
        "writer": ctx.writer,
        "version": ctx.keras_version,
        "writer_tag": ctx.tag,
        "backend": main_backend,
        "cases_with_other_backend": {
            n: b for n, b in sorted(backends.items()) if b != main_backend
        },
        "versions": versions(ctx),
        "python": platform.python_version(),
        "command": "python conformance/recipes/keras_models.py --out-root conformance/keras_files",
        "activations": ctx.activations,
        "produced": sorted(produced),
        "skipped": dict(sorted(skipped.items())),
    }
    (out / "writer.json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = [f"# Cases {ctx.tag} could not build", ""]
    if not skipped:
        lines.append("None: every case was produced.")
    else:
        lines += ["| case | reason |", "|---|---|"]
        for name, reason in sorted(skipped.items()):
            lines.append(f"| {name} | {reason.replace('|', '/')} |")
    other = doc["cases_with_other_backend"]
    if other:
        lines += [
            "",
            f"Written with another backend than {main_backend} (see each made.json notes):",
            "",
        ]
        lines += [f"- {name}: {backend}" for name, backend in other.items()]
    (out / "SKIPPED.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="writer folder to (re)create")
    ap.add_argument("--out-root", type=Path, help="parent folder; the writer tag is appended")
    ap.add_argument("--cases", help="comma-separated subset (keeps the other case folders)")
    ap.add_argument("--flavour", choices=["keras3", "tf.keras", "tf_keras"])
    ap.add_argument("--print-tag", action="store_true")
    ap.add_argument(
        "--no-fallback",
        action="store_true",
        help="do not retry Keras 3 jax failures with the numpy backend",
    )
    args = ap.parse_args(argv)

    ctx = Ctx(detect_flavour(args.flavour))
    if args.print_tag:
        print(ctx.tag)
        return 0
    if (args.out is None) == (args.out_root is None):
        ap.error("give exactly one of --out / --out-root")
    out = args.out if args.out is not None else args.out_root / ctx.tag

    # The other case modules register their cases in keras_cases.CASES when imported.
    import keras_cases
    import keras_cases_attention  # noqa: F401
    import keras_cases_cnn  # noqa: F401
    import keras_cases_hashing  # noqa: F401
    import keras_cases_normalization  # noqa: F401
    import keras_cases_preprocessing  # noqa: F401
    import keras_cases_rnn  # noqa: F401
    import keras_cases_shape  # noqa: F401
    import keras_cases_spatiotemporal  # noqa: F401
    import keras_cases_text

    names = list(keras_cases.CASES)
    if args.cases:
        names = [n.strip() for n in args.cases.split(",") if n.strip()]
        unknown = set(names) - set(keras_cases.CASES)
        if unknown:
            ap.error(f"unknown cases: {sorted(unknown)}")
    previous: dict[str, Any] = {}
    if args.cases and (out / "writer.json").exists():
        previous = json.loads((out / "writer.json").read_text())
    elif out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    produced = set(previous.get("produced", []))
    skipped = dict(previous.get("skipped", {}))

    # Set by the parent run when it retries its jax failures with the numpy backend.
    fallback_from: dict[str, str] = json.loads(os.environ.get("KF_FALLBACK_FROM", "{}"))
    failed: dict[str, str] = {}
    for name in names:
        case = keras_cases.CASES[name]
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        produced.discard(name)
        skipped.pop(name, None)
        reason = case.requires(ctx)
        if reason:
            skipped[name] = reason
            print(f"[{ctx.tag}] {name}: skipped ({reason})", flush=True)
            continue
        note = ""
        if name in fallback_from:
            note = (
                f"Written with KERAS_BACKEND={ctx.backend} because the jax backend fails on "
                f"this case: {fallback_from[name]}"
            )
        try:
            made = make_case(ctx, case, folder, note)
        except Exception as e:
            if folder.exists():
                shutil.rmtree(folder)
            failed[name] = describe_failure(e)
            skipped[name] = failed[name]
            if name in fallback_from:
                same = fallback_from[name].split(" (at ")[0] == failed[name].split(" (at ")[0]
                skipped[name] = f"{fallback_from[name]}; KERAS_BACKEND={ctx.backend} fails " + (
                    "the same way" if same else f"too: {failed[name]}"
                )
            print(f"[{ctx.tag}] {name}: FAILED {skipped[name]}", flush=True)
            continue
        produced.add(name)
        print(f"[{ctx.tag}] {name}: ok ({made['reload_check']})", flush=True)
    write_skipped(out, ctx, sorted(produced), skipped)

    tf_cases = {
        n: r for n, r in skipped.items() if n in names and r == keras_cases_text.NEEDS_TF_BACKEND
    }
    if tf_cases and ctx.flavour == "keras3" and not args.no_fallback:
        # Keras 3 runs string tensors only with the tensorflow backend (text layers).
        env = {
            **os.environ,
            "KERAS_BACKEND": "tensorflow",
            "KF_FALLBACK_FROM": json.dumps(tf_cases),
        }
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--out",
            str(out),
            "--cases",
            ",".join(tf_cases),
            "--no-fallback",
        ]
        print(f"[{ctx.tag}] writing {sorted(tf_cases)} with KERAS_BACKEND=tensorflow", flush=True)
        subprocess.run(cmd, env=env, check=False)

    if failed and ctx.flavour == "keras3" and ctx.backend == "jax" and not args.no_fallback:
        # Some Keras 3 bugs are backend specific (3.15.1: MHA with value_dim != key_dim fails
        # in jax's dot_product_attention but works with the numpy backend): retry those cases
        # in a child process with KERAS_BACKEND=numpy; it updates writer.json / SKIPPED.md.
        env = {**os.environ, "KERAS_BACKEND": "numpy", "KF_FALLBACK_FROM": json.dumps(failed)}
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--out",
            str(out),
            "--cases",
            ",".join(failed),
            "--no-fallback",
        ]
        print(f"[{ctx.tag}] retrying {sorted(failed)} with KERAS_BACKEND=numpy", flush=True)
        child = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True)
        if child.returncode != 0:  # e.g. 3.0.x: its numpy backend imports torch
            last = (child.stderr.strip().splitlines() or ["?"])[-1]
            print(
                f"[{ctx.tag}] numpy backend unusable here ({last}); jax failures stand", flush=True
            )
    return 0


def describe_failure(e: BaseException) -> str:
    """One line: exception type, the first lines of its message, the innermost frame."""
    frames = [
        ln.strip() for ln in traceback.format_exc().splitlines() if ln.strip().startswith("File ")
    ]
    lines = [
        ln.strip()
        for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(e)).splitlines()
        if ln.strip() and not ln.strip().startswith("Arguments received")
    ]
    where = frames[-1].replace(str(Path(sys.prefix)), "<venv>") if frames else ""
    return f"{type(e).__name__}: {' '.join(lines[:2])[:400]} (at {where})"


if __name__ == "__main__":
    sys.exit(main())
