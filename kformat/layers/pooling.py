"""``MaxPooling1D/2D/3D`` and ``AveragePooling1D/2D/3D``
(``keras/src/layers/pooling/base_pooling.py``): a max or mean over windows of
``pool_size`` moved by ``strides``.

``padding="same"`` pads ``(out - 1) * stride + pool - in`` positions, the
smaller half before (XLA's ``SAME``, which ``keras/src/backend/numpy/nn.py``
reaches through ``lax.reduce_window``); max pooling never picks a padded
position and average pooling divides by the number of *input* positions in
each window, not by the window size. ``padding`` is saved as the constructor
got it, and Keras 3 refuses anything but lower-case ``valid``/``same`` when it
builds the layer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f
from kformat.layers._spatial import (
    channels_first,
    data_format_field,
    int_tuple_field,
    spatial_axes,
    to_tuple,
    with_spatial,
)

__all__ = ["DEFINITIONS", "pool", "same_padding"]


#: input bytes pooled per block of samples (about an L2 cache).
_BLOCK_BYTES = 1 << 21


def same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """``(before, after)`` of XLA ``SAME`` padding (``lax.padtype_to_pads``)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _out_size(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return (size - 1) // stride + 1
    return (size - window) // stride + 1


def _geometry(config: Mapping[str, Any], rank: int) -> tuple[Any, ...] | None:
    pool_size = to_tuple(config.get("pool_size"), rank, 1)
    raw_strides = config.get("strides")
    strides = pool_size if raw_strides is None else to_tuple(raw_strides, rank, 1)
    first = channels_first(config)
    padding = config.get("padding", "valid")
    if pool_size is None or strides is None or first is None or padding not in ("valid", "same"):
        return None
    return pool_size, strides, padding, first


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        geometry = _geometry(config, rank)
        if geometry is None or len(shape) != rank + 2:
            return None
        pool_size, strides, padding, first = geometry
        axes = spatial_axes(rank, first)
        dims: list[int | None] = []
        for axis, k, s in zip(axes, pool_size, strides, strict=True):
            size = shape[axis]
            out = None if size is None else _out_size(size, k, s, padding)
            if out is not None and out <= 0:
                return None  # Keras: "Computed output size would be zero or negative"
            dims.append(out)
        return with_spatial(shape, axes, tuple(dims))

    return output_shape


def _fill(dtype: np.dtype[Any]) -> Any:
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).min
    return -np.inf


def pool(
    x: np.ndarray[Any, Any],
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    axes: tuple[int, ...],
    mode: str,
) -> np.ndarray[Any, Any]:
    """Max (``mode="max"``) or average pooling of ``x`` over ``axes``.

    One vectorized pass per window tap over strided views of the (padded)
    input: the work is ``prod(pool_size)`` elementwise maxima or sums over the
    whole output, never a loop over output positions.
    """
    pads = [
        same_padding(x.shape[a], k, s) if padding == "same" else (0, 0)
        for a, k, s in zip(axes, pool_size, strides, strict=True)
    ]
    outs = [
        (x.shape[a] + sum(p) - k) // s + 1
        for a, k, s, p in zip(axes, pool_size, strides, pads, strict=True)
    ]
    if any(o <= 0 for o in outs):
        raise ValueError(
            "Computed output size would be zero or negative: input shape "
            f"{x.shape}, pool_size={pool_size}, strides={strides}, padding={padding}"
        )
    sizes = [x.shape[a] for a in axes]
    if any(p != (0, 0) for p in pads):
        width = [(0, 0)] * x.ndim
        for a, p in zip(axes, pads, strict=True):
            width[a] = p
        x = np.pad(x, width, constant_values=_fill(x.dtype) if mode == "max" else 0)
    out_shape = list(x.shape)
    for a, o in zip(axes, outs, strict=True):
        out_shape[a] = o
    acc = np.empty(out_shape, x.dtype)
    # Whole-batch taps stream the input from memory once per tap; a few
    # samples at a time keep it in cache across the taps (batch is axis 0).
    step = max(1, _BLOCK_BYTES // max(x[:1].nbytes, 1))
    for b in range(0, x.shape[0], step):
        _taps(x[b : b + step], acc[b : b + step], pool_size, strides, axes, outs, mode)
    if mode == "max":
        return acc
    if padding == "valid":
        return _divide(acc, math.prod(pool_size))
    # Same padding: divide by the number of input positions in each window,
    # the product of one count per spatial axis (window [start, start + k) of
    # the padded axis holds input positions [before, before + size)).
    count = np.ones((1,) * x.ndim, acc.dtype)
    for a, k, s, o, (before, _), size in zip(
        axes, pool_size, strides, outs, pads, sizes, strict=True
    ):
        start = np.arange(o) * s
        n = np.minimum(start + k, before + size) - np.maximum(start, before)
        shape = [1] * x.ndim
        shape[a] = o
        count = count * n.reshape(shape).astype(acc.dtype)
    return _divide(acc, count)


def _taps(
    x: np.ndarray[Any, Any],
    out: np.ndarray[Any, Any],
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    axes: tuple[int, ...],
    outs: list[int],
    mode: str,
) -> None:
    """``out`` = max or sum of ``x`` over the windows, one strided view per tap."""
    for i, tap in enumerate(itertools.product(*(range(k) for k in pool_size))):
        index: list[slice] = [slice(None)] * x.ndim
        for a, t, s, o in zip(axes, tap, strides, outs, strict=True):
            index[a] = slice(t, t + s * (o - 1) + 1, s)
        view = x[tuple(index)]
        if i == 0:
            np.copyto(out, view)
        elif mode == "max":
            np.maximum(out, view, out=out)
        else:
            np.add(out, view, out=out)


def _divide(acc: np.ndarray[Any, Any], count: Any) -> np.ndarray[Any, Any]:
    if acc.dtype.kind == "f":
        np.divide(acc, count, out=acc)
        return acc
    out: np.ndarray[Any, Any] = np.asarray(acc / count).astype(acc.dtype, copy=False)
    return out


def _forward(rank: int, mode: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass."""
        x = np.asarray(inputs)
        if x.ndim != rank + 2:
            raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")
        axes = spatial_axes(rank, layer.data_format == "channels_first")
        return pool(x, tuple(layer.pool_size), tuple(layer.strides), layer.padding, axes, mode)

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin: ``tf.nn.max_pool``/``avg_pool`` (channels last on CPU);
        TensorFlow's ``SAME`` average also counts only input positions."""
        tf = ctx.tf
        first = layer.data_format == "channels_first"
        x = tf.transpose(inputs, (0, *range(2, rank + 2), 1)) if first else inputs
        fn = tf.nn.max_pool if mode == "max" else tf.nn.avg_pool
        y = fn(x, list(layer.pool_size), list(layer.strides), layer.padding.upper())
        return tf.transpose(y, (0, rank + 1, *range(1, rank + 1))) if first else y

    return call, tf_call


def _definition(rank: int, mode: str) -> LayerDef:
    kind = "Max" if mode == "max" else "Average"
    call, tf_call = _forward(rank, mode)
    source = "max" if mode == "max" else "average"
    # MaxPooling defaults pool_size to 2; AveragePooling has no default.
    pool_size = (
        int_tuple_field(rank, [2] * rank) if mode == "max" else int_tuple_field(rank, required=True)
    )
    return LayerDef(
        class_name=f"{kind}Pooling{rank}D",
        source=f"keras/src/layers/pooling/{source}_pooling{rank}d.py",
        fields={
            "pool_size": pool_size,
            "padding": f(c.enum("valid", "same"), "valid"),
            "strides": _strides_field(rank),
            "data_format": data_format_field(),
        },
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        aliases=(f"{'Max' if mode == 'max' else 'Avg'}Pool{rank}D",),
        summary=f"{'max' if mode == 'max' else 'average'} over {rank}-D windows",
    )


def _strides_field(rank: int) -> Any:
    # ``strides=None`` means ``pool_size``; Keras saves the resolved tuple, and
    # accepts 0 in the constructor but divides by it when it builds the layer.
    return f(
        c.opt(c.int_tuple(rank, 1)),
        None,
        convert=lambda v: None if v is None else to_tuple(v, rank, 1),
        default_from="pool_size",
        note="`null` means `pool_size`; saved resolved",
    )


DEFINITIONS = tuple(_definition(rank, mode) for mode in ("max", "average") for rank in (1, 2, 3))
