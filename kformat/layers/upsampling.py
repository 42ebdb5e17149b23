"""``UpSampling1D/2D/3D`` (``keras/src/layers/reshaping/up_sampling{1,2,3}d.py``):
repeat each step, pixel or voxel ``size`` times per spatial axis.

``UpSampling2D`` with an interpolation other than ``nearest`` resizes the
image by ``size`` as ``keras.ops.image.resize`` does without antialiasing
(``keras/src/backend/numpy/image.py`` ``_resize``, after ``jax.image.resize``):
per spatial axis, the output is a product with a matrix of kernel weights at
half-pixel sample positions, normalized to sum to one. ``area`` only exists on
Keras' TensorFlow backend; for integer factors it equals ``nearest``.
"""

from __future__ import annotations

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

__all__ = ["DEFINITIONS", "resize_weights"]

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")


def _triangle(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = np.maximum(0, 1 - np.abs(x))
    return out


def _keys_cubic(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius: float) -> Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]:
    def kernel(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        out = np.where(x > 1e-3, np.divide(y, np.where(x != 0, np.pi**2 * x**2, 1)), 1)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {
    "bilinear": _triangle,
    "bicubic": _keys_cubic,
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def resize_weights(size: int, factor: int, method: str) -> np.ndarray[Any, Any]:
    """The ``(size, size * factor)`` float64 matrix that resizes one axis
    (``_compute_weight_mat`` with scale ``factor``, no translation, no antialias)."""
    out = size * factor
    sample = (np.arange(out, dtype=np.float64) + 0.5) / factor - 0.5
    weights = _KERNELS[method](np.abs(sample[None, :] - np.arange(size, dtype=np.float64)[:, None]))
    total = np.sum(weights, axis=0, keepdims=True)
    weights = np.where(
        np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
        np.divide(weights, np.where(total != 0, total, 1)),
        0,
    )
    inside = np.logical_and(sample >= -0.5, sample <= size - 0.5)
    return np.where(inside[None, :], weights, 0)


def _interp_check(name: str, v: Any) -> str | None:
    if isinstance(v, str) and v.lower() in _INTERPOLATIONS:
        return None
    return f"{name} must be one of {', '.join(map(repr, _INTERPOLATIONS))}, got {v!r}"


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        factors: tuple[int, ...] | None
        if rank == 1:
            size = config.get("size", 2)
            factors = (size,) if c.positive(size) else None
            first: bool | None = False
        else:
            factors = to_tuple(config.get("size", 2), rank, 1)
            first = channels_first(config)
        if factors is None or first is None or len(shape) != rank + 2:
            return None
        axes = spatial_axes(rank, first)
        dims = tuple(
            None if (d := shape[a]) is None else d * k for a, k in zip(axes, factors, strict=True)
        )
        return with_spatial(shape, axes, dims)

    return output_shape


def _factors(layer: Any, rank: int) -> tuple[int, ...]:
    return (layer.size,) if rank == 1 else tuple(layer.size)


def _forward(rank: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass."""
        x = np.asarray(inputs)
        if x.ndim != rank + 2:
            raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")
        first = rank > 1 and layer.data_format == "channels_first"
        axes = spatial_axes(rank, first)
        method = getattr(layer, "interpolation", "nearest")
        if method in ("nearest", "area"):
            for axis, k in zip(axes, _factors(layer, rank), strict=True):
                x = np.repeat(x, k, axis=axis)
            return x
        return _resize(x, axes, _factors(layer, rank), method)

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin: ``tf.repeat``, or the same weight matrices."""
        tf = ctx.tf
        first = rank > 1 and layer.data_format == "channels_first"
        axes = spatial_axes(rank, first)
        method = getattr(layer, "interpolation", "nearest")
        factors = _factors(layer, rank)
        if method in ("nearest", "area"):
            x = inputs
            for axis, k in zip(axes, factors, strict=True):
                x = tf.repeat(x, k, axis=axis)
            return x
        integer = inputs.dtype.is_integer
        x = ctx.cast(inputs, tf.float32) if integer else inputs
        for axis, k in zip(axes, factors, strict=True):
            size = x.shape[axis]
            if k == 1:
                continue
            if size is None:
                raise ValueError(f"{layer.name}: {method} up-sampling needs static spatial sizes")
            w = tf.constant(resize_weights(size, k, method), x.dtype)
            y = tf.tensordot(x, w, axes=[[axis], [0]])
            x = tf.transpose(y, [*range(axis), rank + 1, *range(axis, rank + 1)])
        if integer:
            lo = tf.cast(tf.reduce_min(inputs), tf.float32)
            hi = tf.cast(tf.reduce_max(inputs), tf.float32)
            x = ctx.cast(tf.clip_by_value(tf.round(x), lo, hi), inputs.dtype)
        return x

    return call, tf_call


def _resize(
    x: np.ndarray[Any, Any], axes: tuple[int, ...], factors: tuple[int, ...], method: str
) -> np.ndarray[Any, Any]:
    # Integers are resized in float32, then rounded and clipped to their range.
    rounding = np.issubdtype(x.dtype, np.integer)
    out = x.astype(np.float32) if rounding else x
    for axis, k in zip(axes, factors, strict=True):
        if k == 1:
            continue  # Keras resizes only the axes whose size changes
        w = resize_weights(out.shape[axis], k, method).astype(out.dtype)
        out = np.moveaxis(np.tensordot(out, w, axes=(axis, 0)), -1, axis)
    if rounding:
        out = np.clip(np.round(out), x.min(), x.max()).astype(x.dtype)
    return out


def _definition(rank: int) -> LayerDef:
    call, tf_call = _forward(rank)
    fields = (
        {"size": f(c.POS_INT, 2)}
        if rank == 1
        else {"size": int_tuple_field(rank, [2] * rank), "data_format": data_format_field()}
    )
    if rank == 2:
        fields["interpolation"] = f(
            c.Check(_interp_check, ", ".join(f"`{m}`" for m in _INTERPOLATIONS) + " (any case)"),
            "nearest",
            convert=str.lower,
            note="`area`: Keras' TensorFlow backend only",
        )
    return LayerDef(
        class_name=f"UpSampling{rank}D",
        source=f"keras/src/layers/reshaping/up_sampling{rank}d.py",
        fields=fields,
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        summary="repeats each position `size` times per spatial axis"
        + ("; or resizes by `size` with `interpolation`" if rank == 2 else ""),
    )


DEFINITIONS = tuple(_definition(rank) for rank in (1, 2, 3))
