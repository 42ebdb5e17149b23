"""TensorFlow twins of the convolution kernels (``_conv_math``), through ``ctx.tf``.

TensorFlow's CPU kernels take channels-last inputs only, so ``channels_first``
inputs are transposed around the convolution. Where a CPU kernel lacks a case
the twin composes it from ones it has: grouped 3-D convolutions run per group,
a depthwise convolution with both strides and dilation > 1 runs at stride 1 and
is subsampled, and a transposed convolution is computed as Keras' JAX path
defines it — the input dilated by the strides, padded, convolved with the
flipped kernel (``jax.lax.conv_transpose(..., transpose_kernel=True)``).
"""

from __future__ import annotations

from typing import Any

from kformat.layers._conv_math import conv_pads, transpose_pads

__all__ = ["tf_conv", "tf_conv_transpose", "tf_depthwise", "tf_finish", "tf_start"]


def tf_start(ctx: Any, layer: Any, inputs: Any, *kernels: Any) -> tuple[Any, list[Any], Any]:
    """Channels-last input and kernels in the compute dtype, and the result dtype
    (half floats computed in float32, as the NumPy pass does)."""
    tf = ctx.tf
    result = ctx.result_dtype(inputs, *kernels)
    dtype = result if result in (tf.float32, tf.float64) else tf.float32
    x = ctx.cast(inputs, dtype)
    if layer.data_format == "channels_first":
        rank = len(x.shape) - 2
        x = tf.transpose(x, [0, *range(2, rank + 2), 1])
    return x, [ctx.cast(k, dtype) for k in kernels], result


def tf_finish(ctx: Any, layer: Any, y: Any, result: Any) -> Any:
    """Bias, activation and layout, as :func:`_conv_common.finish`."""
    tf = ctx.tf
    y = ctx.cast(y, result)
    if layer.use_bias:
        y = ctx.binary(tf.add, y, ctx.weight(layer, "bias"))
    y = ctx.activate(layer, y)
    if layer.data_format == "channels_first":
        rank = len(y.shape) - 2
        y = tf.transpose(y, [0, rank + 1, *range(1, rank + 1)])
    return y


def _pad(tf: Any, x: Any, pads: list[tuple[int, int]]) -> Any:
    if not any(lo or hi for lo, hi in pads):
        return x
    return tf.pad(x, [[0, 0], *[[lo, hi] for lo, hi in pads], [0, 0]])


def _explicit_pads(
    x: Any, padding: str, k_eff: list[int], strides: list[int]
) -> list[tuple[int, int]]:
    """Static padding amounts (the spatial dims are known when the model is traced)."""
    dims = list(x.shape[1:-1])
    if None in dims and padding == "same":
        raise ValueError("'same' padding with strides and dilation needs static spatial dims")
    return [
        conv_pads(n or 0, ke, s, padding) for n, ke, s in zip(dims, k_eff, strides, strict=True)
    ]


def tf_conv(ctx: Any, layer: Any, x: Any, kernel: Any, groups: int = 1) -> Any:
    """Channels-last convolution (``valid``/``same``/``causal``, dilation, groups)."""
    tf = ctx.tf
    rank = len(layer.kernel_size)
    padding = layer.padding
    if padding == "causal":
        x = tf.pad(x, [[0, 0], [(layer.kernel_size[0] - 1) * layer.dilation_rate[0], 0], [0, 0]])
        padding = "valid"

    def one(xi: Any, ki: Any) -> Any:
        return tf.nn.convolution(
            xi,
            ki,
            strides=list(layer.strides),
            padding=padding.upper(),
            dilations=list(layer.dilation_rate),
        )

    if groups > 1 and rank == 3:  # the CPU Conv3D kernel has no feature groups
        xs = tf.split(x, groups, axis=-1)
        ks = tf.split(kernel, groups, axis=-1)
        return tf.concat([one(a, b) for a, b in zip(xs, ks, strict=True)], axis=-1)
    return one(x, kernel)


def tf_depthwise(ctx: Any, layer: Any, x: Any, kernel: Any) -> Any:
    """Channels-last depthwise convolution, 1-D through the 2-D kernel."""
    tf = ctx.tf
    ksize, strides = list(layer.kernel_size), list(layer.strides)
    dilation = list(layer.dilation_rate)
    one_d = len(strides) == 1
    if one_d:
        x, kernel = tf.expand_dims(x, 1), tf.expand_dims(kernel, 0)
        ksize, strides, dilation = [1, *ksize], [1, *strides], [1, *dilation]
    padding = layer.padding.upper()
    sub = None
    if max(strides) > 1 and max(dilation) > 1:
        # TensorFlow refuses strides with dilation: stride 1 over the padded input, then subsample
        k_eff = [(k - 1) * d + 1 for k, d in zip(ksize, dilation, strict=True)]
        x = _pad(tf, x, _explicit_pads(x, layer.padding, k_eff, strides))
        sub, strides, padding = strides, [1, 1], "VALID"
    y = tf.nn.depthwise_conv2d(x, kernel, [1, *strides, 1], padding, dilations=dilation)
    if sub is not None:
        y = y[:, :: sub[0], :: sub[1], :]
    return y[:, 0] if one_d else y


def _dilate(tf: Any, x: Any, axis: int, stride: int) -> Any:
    """``stride - 1`` zeros between neighbours along ``axis`` (no trailing zeros)."""
    if stride == 1:
        return x
    rank = len(x.shape)
    z = tf.expand_dims(x, axis + 1)
    z = tf.pad(z, [[0, 0]] * (axis + 1) + [[0, stride - 1]] + [[0, 0]] * (rank - axis - 1))
    shape = tf.shape(x)
    merged = tf.concat([shape[:axis], [shape[axis] * stride], shape[axis + 1 :]], 0)
    z = tf.reshape(z, merged)
    cut = [slice(None)] * axis + [slice(0, -(stride - 1))]
    return z[tuple(cut)]


def tf_conv_transpose(ctx: Any, layer: Any, x: Any, kernel: Any) -> Any:
    """Channels-last transposed convolution with Keras' padding and ``output_padding``."""
    tf = ctx.tf
    rank = len(layer.kernel_size)
    ops = layer.output_padding or [None] * rank
    pads = [
        transpose_pads(k, s, d, layer.padding, op)
        for k, s, d, op in zip(
            layer.kernel_size, layer.strides, layer.dilation_rate, ops, strict=True
        )
    ]
    for axis, s in enumerate(layer.strides):
        x = _dilate(tf, x, axis + 1, s)
    x = _pad(tf, x, pads)
    flipped = tf.reverse(kernel, axis=list(range(rank)))
    flipped = tf.transpose(flipped, [*range(rank), rank + 1, rank])  # (*k, in, filters)
    return tf.nn.convolution(
        x, flipped, strides=1, padding="VALID", dilations=list(layer.dilation_rate)
    )
