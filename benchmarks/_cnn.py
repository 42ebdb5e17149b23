"""CNN benchmark helpers: the ``keras.applications`` files, their FLOP count from
the saved config, Keras' timings in a child process per backend, and a
per-layer profile of the runtime.

Keras picks its backend once per process, so each backend (numpy, jax,
tensorflow) runs in its own child that prints one JSON object.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks._util import CACHE

# Built in a Keras child: seeded initializers, and every weight left at a
# constant (biases, BatchNormalization statistics and scales) made random, so
# no layer works on zeros or exact ones.
_BUILD = """
import sys, numpy as np, keras
name, size, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keras.utils.set_random_seed(0)
m = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
rng = np.random.default_rng(0)
vals = []
for w in m.weights:
    v = np.asarray(w.numpy())
    if v.dtype.kind == "f" and v.size and v.min() == v.max():
        c = float(v.flat[0])
        v = (c * rng.uniform(0.5, 1.5, v.shape) if c else rng.normal(0, 0.1, v.shape)).astype(v.dtype)
    vals.append(v)
m.set_weights(vals)
m.save(path)
"""

# Keras timings and load time in a child: argv[1] is a JSON spec.
_TIME = """
import json, statistics, sys, time
import numpy as np, keras
spec = json.loads(sys.argv[1])
out = {}
def median(fn, repeat, warmup):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        s = time.perf_counter(); fn(); ts.append(time.perf_counter() - s)
    return statistics.median(ts)
for name, path in spec["files"].items():
    r = out[name] = {}
    if spec["load"]:
        r["load_s"] = median(lambda: keras.saving.load_model(path, compile=False), spec["load_repeat"], 1)
    m = keras.saving.load_model(path, compile=False)
    for b in spec["batches"]:
        x = np.random.default_rng(1).standard_normal((b, *m.input_shape[1:])).astype("float32")
        if spec["mode"] == "tf_function":
            import tensorflow as tf
            f = tf.function(lambda t: m(t, training=False))
            t = tf.constant(x)
            op = lambda: f(t).numpy()
        else:
            op = lambda: np.asarray(m(x, training=False))
        r[str(b)] = median(op, spec["repeat"], 2)
print(json.dumps(out))
"""

# The runtime's own TensorFlow translation (reference_runtime.export), traced as
# its SavedModel endpoint is, timed in a child like Keras' backends.
_EXPORT_TIME = """
import json, statistics, sys, time
import numpy as np, tensorflow as tf
import reference_runtime as rr
from reference_runtime.export import ExportArchive
spec = json.loads(sys.argv[1])
out = {}
for name, path in spec["files"].items():
    r = out[name] = {}
    m = rr.load_model(path)
    fn = ExportArchive().add_endpoint("serve", m, [tf.TensorSpec((None, *m.inputs[0].shape[1:]), tf.float32)])
    for b in spec["batches"]:
        t = tf.constant(np.random.default_rng(1).standard_normal((b, *m.inputs[0].shape[1:])).astype("float32"))
        for _ in range(2):
            fn(t)
        ts = []
        for _ in range(spec["repeat"]):
            s = time.perf_counter(); fn(t); ts.append(time.perf_counter() - s)
        r[str(b)] = statistics.median(ts)
print(json.dumps(out))
"""

_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}


def model_file(name: str, size: int) -> Path:
    """``keras.applications.<name>(weights=None)`` at ``size``x``size``, saved by Keras."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name.lower()}_{size}.keras"
    if not path.exists():
        part = path.with_suffix(".part.keras")
        subprocess.run(
            [sys.executable, "-c", _BUILD, name, str(size), str(part)],
            check=True,
            env={**os.environ, **_ENV, "KERAS_BACKEND": "numpy"},
            capture_output=True,
        )
        part.replace(path)
    return path


def keras_times(
    files: Mapping[str, Path],
    backend: str,
    batches: Sequence[int],
    *,
    tf_function: bool = False,
    load: bool = False,
    repeat: int = 3,
) -> dict[str, Any] | None:
    """``{model: {"1": s, "8": s, "load_s": s}}`` from a child on ``backend``, or None.

    ``backend="export"`` times the runtime's TensorFlow translation instead of Keras."""
    spec = {
        "files": {k: str(v) for k, v in files.items()},
        "batches": list(batches),
        "mode": "tf_function" if tf_function else "eager",
        "repeat": repeat,
        "load": load,
        "load_repeat": 3,
    }
    script = _EXPORT_TIME if backend == "export" else _TIME
    # TensorFlow imports Keras, which needs a real backend name
    keras_backend = "tensorflow" if backend == "export" else backend
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(spec)],
        capture_output=True,
        text=True,
        env={**os.environ, **_ENV, "KERAS_BACKEND": keras_backend},
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def layer_entries(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    layers: list[dict[str, Any]] = config["config"]["layers"]
    return layers


def _conv_out(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


def layer_flops(entry: Mapping[str, Any]) -> int:
    """Multiply-adds x 2 of one Conv2D / DepthwiseConv2D / SeparableConv2D / Dense
    call on one sample, from its config and ``build_config`` input shape; 0 for
    any other class (their work is not counted)."""
    cls = entry.get("class_name")
    cfg = entry.get("config", {})
    shape = (entry.get("build_config") or {}).get("input_shape")
    if not shape:
        return 0
    if cls == "Dense":
        rows = math.prod(d for d in shape[1:-1])
        return 2 * rows * shape[-1] * cfg["units"]
    if cls not in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
        return 0
    last = cfg.get("data_format", "channels_last") == "channels_last"
    h, w, cin = (shape[1], shape[2], shape[3]) if last else (shape[2], shape[3], shape[1])
    kh, kw = cfg["kernel_size"]
    sh, sw = cfg["strides"]
    dh, dw = cfg.get("dilation_rate", [1, 1])
    ho = _conv_out(h, kh, sh, dh, cfg["padding"])
    wo = _conv_out(w, kw, sw, dw, cfg["padding"])
    if cls == "Conv2D":
        return 2 * ho * wo * kh * kw * (cin // cfg.get("groups", 1)) * cfg["filters"]
    mult = cfg["depth_multiplier"]
    depthwise = 2 * ho * wo * kh * kw * cin * mult
    if cls == "DepthwiseConv2D":
        return depthwise
    return depthwise + 2 * ho * wo * cin * mult * cfg["filters"]


def model_flops(path: Path) -> int:
    """Conv and Dense FLOPs of one sample through the saved model."""
    return sum(layer_flops(e) for e in layer_entries(path))


def profile(model: Any, x: Any, path: Path, repeat: int = 3) -> list[tuple[str, float, int]]:
    """``(class_name, seconds, flops)`` per layer class of one runtime call of
    ``model`` on ``x``, summed over the layers of the class (median of ``repeat``
    calls per layer), largest first."""
    flops = {e["config"]["name"]: layer_flops(e) * len(x) for e in layer_entries(path)}
    spent: dict[str, list[float]] = defaultdict(list)
    originals = {}
    for layer in model.layers:
        call = layer.call
        originals[layer.name] = call

        def timed(*args: Any, _call: Any = call, _name: str = layer.name, **kwargs: Any) -> Any:
            start = time.perf_counter()
            out = _call(*args, **kwargs)
            spent[_name].append(time.perf_counter() - start)
            return out

        timed.__wrapped__ = call  # type: ignore[attr-defined]  # Layer.__call__ reads the signature
        layer.call = timed
    try:
        for _ in range(repeat):
            model(x)
    finally:
        for layer in model.layers:
            layer.call = originals[layer.name]
    by_class: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for layer in model.layers:
        times = sorted(spent.get(layer.name, []))
        if times:
            row = by_class[type(layer).__name__]
            row[0] += times[len(times) // 2]
            row[1] += flops.get(layer.name, 0)
    return sorted(((k, v[0], int(v[1])) for k, v in by_class.items()), key=lambda r: -r[1])
