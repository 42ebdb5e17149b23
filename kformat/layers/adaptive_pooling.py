"""``AdaptiveAveragePooling1D/2D/3D`` and ``AdaptiveMaxPooling1D/2D/3D``
(``keras/src/layers/pooling/base_adaptive_pooling.py``, Keras 3.13+): a mean or
max over ``output_size`` bins per spatial axis, whatever the input size.

Bin ``i`` of an axis of length ``L`` split into ``n`` bins covers
``[floor(i * L / n), ceil((i + 1) * L / n))`` (PyTorch's adaptive pooling
bins; they overlap when ``n`` does not divide ``L``). Every bin holds
``ceil(L / n)`` or one more position; the axes are pooled one after another
(``keras/src/backend/numpy/nn.py`` ``_adaptive_pool2d_impl``), which gives the
mean or max over each box of bins. Only the bins' own windows are reduced,
where Keras' NumPy backend reduces every window of both widths and then picks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.layers._def import LayerDef, Shape
from kformat.layers._spatial import (
    channels_first,
    data_format_field,
    int_tuple_field,
    spatial_axes,
    to_tuple,
    with_spatial,
)

__all__ = ["DEFINITIONS", "bins"]


def bins(size: int, n: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Start and end (exclusive) of the ``n`` bins of an axis of length ``size``."""
    i = np.arange(n, dtype=np.int64)
    return (i * size) // n, -((-(i + 1) * size) // n)


def _pool_axis(x: np.ndarray[Any, Any], axis: int, n: int, mode: str) -> np.ndarray[Any, Any]:
    # Bins come in at most two widths: gather the positions of all bins of one
    # width at once, reduce them, and put them in place; no loop over bins.
    starts, ends = bins(x.shape[axis], n)
    widths = ends - starts
    reduce = np.max if mode == "max" else np.mean
    out: np.ndarray[Any, Any] | None = None
    for width in np.unique(widths):
        which = np.nonzero(widths == width)[0]
        taps = starts[which, None] + np.arange(width)[None, :]
        pooled = reduce(np.take(x, taps, axis=axis), axis=axis + 1)
        if out is None:
            shape = list(pooled.shape)
            shape[axis] = n
            out = np.empty(shape, pooled.dtype)
        index: list[Any] = [slice(None)] * x.ndim
        index[axis] = which
        out[tuple(index)] = pooled
    assert out is not None  # n >= 1
    return out


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        sizes = to_tuple(config.get("output_size"), rank, 1)
        first = channels_first(config)
        if sizes is None or first is None or len(shape) != rank + 2:
            return None
        return with_spatial(shape, spatial_axes(rank, first), sizes)

    return output_shape


def _forward(rank: int, mode: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass, one spatial axis after another."""
        x = np.asarray(inputs)
        if x.ndim != rank + 2:
            raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")
        axes = spatial_axes(rank, layer.data_format == "channels_first")
        for axis, n in zip(axes, layer.output_size, strict=True):
            if x.shape[axis] == 0:
                raise ValueError(f"{layer.name}: cannot pool an empty axis, got {x.shape}")
            x = _pool_axis(x, axis, n, mode)
        return x

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin: per axis, gather each bin's positions (padded to the
        larger bin size by repeating its last one) and reduce them."""
        tf = ctx.tf
        x = inputs
        axes = spatial_axes(rank, layer.data_format == "channels_first")
        for axis, n in zip(axes, layer.output_size, strict=True):
            size = x.shape[axis]
            if size is None:
                raise ValueError(f"{layer.name}: adaptive pooling needs static spatial sizes")
            starts, ends = bins(size, n)
            width = int(np.max(ends - starts))
            taps = starts[:, None] + np.arange(width)[None, :]
            valid = taps < ends[:, None]
            taps = np.where(valid, taps, (ends - 1)[:, None])
            window = tf.gather(x, taps.astype(np.int32), axis=axis)
            if mode == "max":
                x = tf.reduce_max(window, axis=axis + 1)
            else:
                shape = [1] * (rank + 3)
                shape[axis], shape[axis + 1] = n, width
                keep = tf.constant(valid.reshape(shape))
                total = tf.reduce_sum(tf.where(keep, window, tf.zeros([], x.dtype)), axis=axis + 1)
                count = (ends - starts).reshape(shape[: axis + 1] + shape[axis + 2 :])
                x = total / tf.constant(count, x.dtype)
        return x

    return call, tf_call


def _definition(rank: int, mode: str) -> LayerDef:
    kind = "Max" if mode == "max" else "Average"
    word = "max" if mode == "max" else "average"
    call, tf_call = _forward(rank, mode)
    return LayerDef(
        class_name=f"Adaptive{kind}Pooling{rank}D",
        source=f"keras/src/layers/pooling/adaptive_{word}_pooling{rank}d.py",
        fields={
            "output_size": int_tuple_field(rank, required=True, note="Keras 3.13+"),
            "data_format": data_format_field(),
        },
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        summary=f"{word} over `output_size` overlapping bins per spatial axis",
    )


DEFINITIONS = tuple(_definition(rank, mode) for mode in ("average", "max") for rank in (1, 2, 3))
