"""Convolution kernels: reference_runtime's Conv2D / DepthwiseConv2D / Conv2DTranspose
layers on ResNet- and MobileNet-sized inputs, against a plain float32 ``np.matmul``
of the same GEMM shape (the limit for a GEMM-bound convolution) and TensorFlow's
``tf.nn`` kernels under ``tf.function``.

    python -m benchmarks.bench_conv [--json]

Each row is one layer call at batch 8. ``GEMM`` is ``(batch * out_pixels, taps *
channels) @ (taps * channels, filters)`` — the product im2col feeds BLAS — so
``conv / GEMM`` is the share of the BLAS speed the layer keeps after gathering
its windows. Depthwise convolutions do no GEMM (memory-bound): their row has no
GEMM column.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from benchmarks._util import child_time, fmt_ratio, fmt_seconds, have, main_for, print_table

BATCH = 8

#: name -> (class, constructor arguments, input shape without batch)
CASES: dict[str, tuple[str, dict[str, Any], tuple[int, ...]]] = {
    "ResNet 3x3 56x56x64->64": (
        "Conv2D",
        {"filters": 64, "kernel_size": 3, "padding": "same"},
        (56, 56, 64),
    ),
    "ResNet 1x1 56x56x256->64": ("Conv2D", {"filters": 64, "kernel_size": 1}, (56, 56, 256)),
    "ResNet 3x3/2 56x56x128->128": (
        "Conv2D",
        {"filters": 128, "kernel_size": 3, "strides": 2, "padding": "same"},
        (56, 56, 128),
    ),
    "ResNet stem 7x7/2 224x224x3->64": (
        "Conv2D",
        {"filters": 64, "kernel_size": 7, "strides": 2, "padding": "same"},
        (224, 224, 3),
    ),
    "MobileNetV2 dw 3x3/2 112x112x96": (
        "DepthwiseConv2D",
        {"kernel_size": 3, "strides": 2, "padding": "same"},
        (112, 112, 96),
    ),
    "MobileNetV2 dw 3x3 56x56x144": (
        "DepthwiseConv2D",
        {"kernel_size": 3, "padding": "same"},
        (56, 56, 144),
    ),
    "Transpose 3x3/2 28x28x64->64": (
        "Conv2DTranspose",
        {"filters": 64, "kernel_size": 3, "strides": 2, "padding": "same"},
        (28, 28, 64),
    ),
}


def _layer(cls: str, kwargs: dict[str, Any], shape: tuple[int, ...]) -> tuple[Any, Any]:
    import reference_runtime.layers as layers

    rng = np.random.default_rng(0)
    layer = getattr(layers, cls)(**kwargs, use_bias=True)
    x = rng.standard_normal((BATCH, *shape)).astype(np.float32)
    layer(x[:1])
    layer.set_weights(
        [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    )
    return layer, x


def _gemm_shape(cls: str, layer: Any, x: Any) -> tuple[int, int, int] | None:
    """(M, K, N) of the layer's one GEMM."""
    kernel = layer.get_weights()[0]
    taps = math.prod(layer.kernel_size)
    if cls == "Conv2D":
        out = layer(x[:1]).shape
        return BATCH * out[1] * out[2], taps * x.shape[-1], kernel.shape[-1]
    if cls == "Conv2DTranspose":
        return BATCH * x.shape[1] * x.shape[2], x.shape[-1], taps * kernel.shape[-2]
    return None


def _flops(cls: str, layer: Any, x: Any) -> float:
    out = layer(x[:1]).shape
    pixels = BATCH * out[1] * out[2]
    taps = math.prod(layer.kernel_size)
    if cls == "DepthwiseConv2D":
        return 2.0 * pixels * out[-1] * taps
    if cls == "Conv2DTranspose":
        return 2.0 * BATCH * x.shape[1] * x.shape[2] * x.shape[-1] * taps * out[-1]
    return 2.0 * pixels * out[-1] * taps * x.shape[-1]


def _interleaved(fns: list[Any], repeat: int) -> list[float]:
    """Minimum time of each function, the calls alternating: on a shared machine
    the least disturbed run is the best estimate, and alternating exposes all of
    them to the same background load."""
    import time

    best = [math.inf] * len(fns)
    for fn in fns:
        fn()
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def _tf_time(cls: str, kwargs: dict[str, Any], shape: tuple[int, ...], repeat: int) -> float | None:
    if not have("tensorflow"):
        return None
    setup = (
        "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
        "import numpy as np, tensorflow as tf\n"
        f"x = tf.constant(np.random.default_rng(0).standard_normal({(BATCH, *shape)!r}).astype('float32'))\n"
        f"kw = {kwargs!r}\nk = kw['kernel_size']; s = kw.get('strides', 1); c = {shape[-1]}\n"
        "pad = kw.get('padding', 'valid').upper()\n"
    )
    if cls == "Conv2D":
        setup += "w = tf.ones((k, k, c, kw['filters']))\nf = tf.function(lambda t: tf.nn.conv2d(t, w, s, pad))\n"
    elif cls == "DepthwiseConv2D":
        setup += "w = tf.ones((k, k, c, 1))\nf = tf.function(lambda t: tf.nn.depthwise_conv2d(t, w, [1, s, s, 1], pad))\n"
    else:
        setup += (
            "w = tf.ones((k, k, kw['filters'], c))\n"
            f"o = ({BATCH}, {shape[0]} * s, {shape[1]} * s, kw['filters'])\n"
            "f = tf.function(lambda t: tf.nn.conv2d_transpose(t, w, o, s, pad))\n"
        )
    setup += "for _ in range(2):\n    f(x)\n"
    return child_time(setup, "f(x).numpy()", repeat=repeat)


def run(*, repeat: int = 15) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, (cls, kwargs, shape) in CASES.items():
        layer, x = _layer(cls, kwargs, shape)
        row: dict[str, Any] = {"flops": _flops(cls, layer, x)}
        fns = [lambda layer=layer, x=x: layer(x)]
        mkn = _gemm_shape(cls, layer, x)
        if mkn is not None:
            m, k, n = mkn
            rng = np.random.default_rng(1)
            a = rng.standard_normal((m, k)).astype(np.float32)
            b = rng.standard_normal((k, n)).astype(np.float32)
            fns.append(lambda a=a, b=b: a @ b)
            row["gemm_shape"] = mkn
        times = _interleaved(fns, repeat)
        row["runtime_s"] = times[0]
        if mkn is not None:
            row["gemm_s"] = times[1]
        row["tensorflow_s"] = _tf_time(cls, kwargs, shape, repeat)
        results[name] = row
    return results


def report(r: dict[str, Any]) -> None:
    rows = []
    for name, row in r.items():
        flops = row["flops"]
        gemm = row.get("gemm_s")
        tf = row.get("tensorflow_s")
        rows.append(
            [
                name,
                fmt_seconds(row["runtime_s"]),
                f"{flops / row['runtime_s'] / 1e9:.1f}",
                "-" if gemm is None else f"{2.0 * math.prod(row['gemm_shape']) / gemm / 1e9:.1f}",
                "-" if gemm is None else fmt_ratio(gemm / row["runtime_s"]),
                fmt_seconds(tf),
                "n/a" if tf is None else fmt_ratio(row["runtime_s"] / tf),
            ]
        )
    print_table(
        f"Convolution layers, batch {BATCH} (float32)",
        ["layer", "runtime", "GFLOP/s", "GEMM GFLOP/s", "conv / GEMM", "TF", "runtime / TF"],
        rows,
    )


main = main_for(__doc__, run, report)

if __name__ == "__main__":
    raise SystemExit(main())
