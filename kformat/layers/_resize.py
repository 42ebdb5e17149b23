"""Image resizing as Keras' NumPy backend computes it, and its TensorFlow twin.

Mirrors ``resize`` of ``keras/src/backend/numpy/image.py`` (Keras 3.15), which
is JAX's ``jax.image.scale_and_translate`` in NumPy: every changed spatial axis,
in axis order, is contracted with an ``(in, out)`` interpolation weight matrix
(``np.tensordot``, one GEMM per axis), half-pixel centres, the kernel
stretched by the downscale factor when ``antialias`` is set, integer images
computed in float32 then rounded and clipped to the input's own min/max.
``nearest`` gathers ``floor((j + 0.5) * in / out)`` (float32 arithmetic).
``crop_to_aspect_ratio`` / ``pad_to_aspect_ratio`` crop or pad first, with the
same integer arithmetic and the same dtype promotion as Keras (a float fill
value promotes integer images to float64; channels_first padding is float64).

``area`` is not a NumPy-backend method (Keras' NumPy and JAX backends refuse
it at call time); files written with the TensorFlow backend use it, so it is
computed as TensorFlow's ``resize_area`` (``tensorflow/core/kernels/image/
resize_area_op.cc``): each output pixel averages the input box
``[j * s, (j + 1) * s)`` (``s = in / out``) with fractional edge weights; it
always yields float32 and ignores ``antialias``.

The TensorFlow twins apply the same NumPy-computed weight matrices with
``tf.tensordot``; results agree to float32 rounding (GEMM summation order is
the only difference), so rounded integer outputs can differ by one at exact
``.5`` ties.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "INTERPOLATIONS",
    "aspect_crop_box",
    "resize",
    "saturate_cast",
    "tf_resize",
    "tf_saturate_cast",
]

#: the methods Keras 3.15 resizes with on some backend (``area``: TensorFlow only).
INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _triangle(x: Any) -> Any:
    return np.maximum(0, 1 - np.abs(x))


def _keys_cubic(x: Any) -> Any:
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius: float) -> Callable[[Any], Any]:
    def kernel(x: Any) -> Any:
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, np.divide(y, np.where(x != 0, np.pi**2 * x**2, 1)), 1)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS: dict[str, Callable[[Any], Any]] = {
    "bilinear": _triangle,
    "bicubic": _keys_cubic,
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


#: matrices up to this many weights are cached (64 of them: at most 256 MiB); a
#: larger one (a config may ask for any output size) is computed for each call.
_CACHED_WEIGHTS = 1 << 19


@functools.lru_cache(maxsize=64)
def _cached_weight_matrix(m: int, n: int, method: str, antialias: bool) -> Any:
    w = _compute_weights(m, n, method, antialias)
    w.flags.writeable = False
    return w


def _weight_matrix(m: int, n: int, method: str, antialias: bool) -> Any:
    """``(m, n)`` float64 weights taking ``m`` input samples to ``n`` outputs
    (``_compute_weight_mat``; ``scale = n / m`` as a Python float, translation 0).
    Cached per size when small: a model resizes the same shapes on every call."""
    if m * n > _CACHED_WEIGHTS:
        return _compute_weights(m, n, method, antialias)
    return _cached_weight_matrix(m, n, method, antialias)


def _compute_weights(m: int, n: int, method: str, antialias: bool) -> Any:
    if method == "area":
        return _area_matrix(m, n)
    kernel = _KERNELS[method]
    scale = n / m if m != 0 else 1.0
    inv_scale = 1.0 / scale
    kernel_scale = np.maximum(inv_scale, 1.0) if antialias else 1.0
    sample_f = (np.arange(n, dtype=np.float64) + 0.5) * inv_scale - 0.0 * inv_scale - 0.5
    x = np.abs(sample_f[np.newaxis, :] - np.arange(m, dtype=np.float64)[:, np.newaxis])
    weights = kernel(x / kernel_scale)
    total = np.sum(weights, axis=0, keepdims=True)
    weights = np.where(
        np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
        np.divide(weights, np.where(total != 0, total, 1)),
        0,
    )
    inside = np.logical_and(sample_f >= -0.5, sample_f <= m - 0.5)
    return np.where(inside[np.newaxis, :], weights, 0)


def _area_matrix(m: int, n: int) -> Any:
    """TensorFlow's ``resize_area`` along one axis: box ``[j*s, (j+1)*s)`` with
    ``s = m / n`` in float32, fractional edge weights, divided by ``s``."""
    s = np.float32(m) / np.float32(n)
    out = np.zeros((m, n), dtype=np.float64)
    for j in range(n):  # one row per output sample, not per pixel
        lo = np.float32(j) * s
        hi = np.float32(j + 1) * s
        for i in range(math.floor(lo), math.ceil(hi)):
            w = min(float(i + 1), float(hi)) - max(float(i), float(lo))
            out[min(i, m - 1), j] += w / float(s)
    return out


def _nearest_index(m: int, n: int) -> Any:
    offsets = (np.arange(n, dtype=np.float32) + 0.5) * m / n
    return np.floor(offsets).astype(np.int32)


def aspect_crop_box(height: int, width: int, target_h: int, target_w: int) -> tuple[int, ...]:
    """``(h_start, w_start, crop_h, crop_w)``: the centred box of the target's
    aspect ratio (``crop_to_aspect_ratio``, ``smart_resize``)."""
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def _pad_amounts(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int]:
    pad_h = max(height, int(float(width * target_h) / target_w))
    pad_w = max(width, int(float(height * target_w) / target_h))
    return int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)


def _slice(ndim: int, axis: int, start: int, stop: int) -> tuple[slice, ...]:
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _pad(x: Any, axis: int, amount: int, fill_value: Any, channels_first: bool) -> Any:
    shape = list(x.shape)
    shape[axis] = amount
    # Keras builds the fill with np.ones(shape, dtype=images.dtype) * fill_value
    # for channels_last, and np.ones(shape) (float64) for channels_first.
    fill = (np.ones(shape) if channels_first else np.ones(shape, dtype=x.dtype)) * fill_value
    return np.concatenate([fill, x, fill], axis=axis)


def _pad_dtype(dtype: Any, fill_value: Any, channels_first: bool) -> Any:
    fill = (np.ones(1) if channels_first else np.ones(1, dtype=dtype)) * fill_value
    return np.result_type(dtype, fill.dtype)


def _prepare(
    shape: tuple[int, ...], hw: tuple[int, int], size: tuple[int, int], crop: bool, pad: bool
) -> tuple[tuple[int, ...] | None, tuple[int, int]]:
    """The crop box (or ``None``) and the ``(h, w)`` padding of the input."""
    height, width = shape[hw[0]], shape[hw[1]]
    if crop:
        return aspect_crop_box(height, width, *size), (0, 0)
    if pad:
        ph, pw = _pad_amounts(height, width, *size)
        return None, ((ph, 0) if ph > 0 else (0, pw))
    return None, (0, 0)


def resize(
    x: Any,
    size: tuple[int, int],
    hw: tuple[int, int],
    *,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_value: Any = 0.0,
    channels_first: bool = False,
) -> Any:
    """``keras.src.backend.numpy.image.resize`` of ``x`` to ``size`` along axes ``hw``."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected one of {INTERPOLATIONS}. "
            f"Received: interpolation={interpolation}"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
        )
    box, (ph, pw) = _prepare(x.shape, hw, size, crop_to_aspect_ratio, pad_to_aspect_ratio)
    if box is not None:
        hs, ws, ch, cw = box
        x = x[_slice(x.ndim, hw[0], hs, hs + ch)][_slice(x.ndim, hw[1], ws, ws + cw)]
    elif ph:
        x = _pad(x, hw[0], ph, fill_value, channels_first)
    elif pw:
        x = _pad(x, hw[1], pw, fill_value, channels_first)
    changed = [(a, t) for a, t in zip(hw, size, strict=True) if x.shape[a] != t]
    if interpolation == "nearest":
        for axis, target in changed:
            index = [slice(None)] * x.ndim
            index[axis] = _nearest_index(x.shape[axis], target)
            x = x[tuple(index)]
        return x
    if not changed:
        return x
    integer = np.issubdtype(x.dtype, np.integer)
    out = x.astype(np.float32) if integer else x.copy()
    if interpolation == "area" and out.dtype != np.float32:
        out = out.astype(np.float32)
    for axis, target in changed:
        w = _weight_matrix(x.shape[axis], target, interpolation, antialias).astype(out.dtype)
        out = np.moveaxis(np.tensordot(out, w, axes=(axis, 0)), -1, axis)
    if integer and interpolation != "area":
        out = np.clip(np.round(out), x.min(), x.max()).astype(x.dtype)
    return out


def _limits(in_dtype: Any, out_dtype: Any) -> tuple[Any, Any]:
    """Clip bounds of ``ops.core._saturate_cast`` (``keras/src/ops/core.py``)."""

    def info(d: Any) -> tuple[Any, Any]:
        if d == np.bool_:
            return 0, 1
        i: Any = np.iinfo(d) if np.issubdtype(d, np.integer) else _finfo(d)
        return i.min, i.max

    in_min, in_max = info(in_dtype)
    out_min, out_max = info(out_dtype)
    lo = np.maximum(in_min, out_min).astype(in_dtype)
    if lo < out_min:
        lo = np.nextafter(lo, 0, dtype=in_dtype)
    hi = np.minimum(in_max, out_max).astype(in_dtype)
    if hi > out_max:
        hi = np.nextafter(hi, 0, dtype=in_dtype)
    return lo, hi


def _finfo(d: Any) -> Any:
    try:
        return np.finfo(d)
    except ValueError:
        import ml_dtypes

        return ml_dtypes.finfo(d)  # type: ignore[no-untyped-call]


def saturate_cast(x: Any, dtype: Any) -> Any:
    """``_saturate_cast``: clip to what ``dtype`` holds, then cast."""
    lo, hi = _limits(x.dtype, np.dtype(dtype))
    return np.clip(x, lo, hi).astype(dtype)


# -- TensorFlow twins ----------------------------------------------------------------


def tf_saturate_cast(tf: Any, x: Any, dtype: Any) -> Any:
    """TensorFlow twin of :func:`saturate_cast` (``dtype`` a NumPy dtype)."""
    lo, hi = _limits(np.dtype(x.dtype.as_numpy_dtype), np.dtype(dtype))
    return tf.cast(tf.clip_by_value(x, lo, hi), tf.as_dtype(dtype))


def tf_resize(
    tf: Any,
    x: Any,
    size: tuple[int, int],
    hw: tuple[int, int],
    *,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_value: Any = 0.0,
    channels_first: bool = False,
) -> Any:
    """TensorFlow twin of :func:`resize`; the height and width must be static."""
    shape = tuple(x.shape)
    if shape[hw[0]] is None or shape[hw[1]] is None:
        raise ValueError("resizing needs a static height and width to export")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`: {interpolation}")
    box, (ph, pw) = _prepare(shape, hw, size, crop_to_aspect_ratio, pad_to_aspect_ratio)
    ndim = len(shape)
    if box is not None:
        hs, ws, ch, cw = box
        x = x[_slice(ndim, hw[0], hs, hs + ch)][_slice(ndim, hw[1], ws, ws + cw)]
    elif ph or pw:
        axis, amount = (hw[0], ph) if ph else (hw[1], pw)
        dtype = _pad_dtype(np.dtype(x.dtype.as_numpy_dtype), fill_value, channels_first)
        x = tf.cast(x, tf.as_dtype(dtype))
        fill_shape = tf.concat([tf.shape(x)[:axis], [amount], tf.shape(x)[axis + 1 :]], axis=0)
        fill = tf.fill(fill_shape, tf.constant(np.asarray(fill_value, dtype=dtype)))
        x = tf.concat([fill, x, fill], axis=axis)
    static = list(x.shape)
    changed = [(a, t) for a, t in zip(hw, size, strict=True) if static[a] != t]
    if interpolation == "nearest":
        for axis, target in changed:
            x = tf.gather(x, _nearest_index(static[axis], target), axis=axis)
        return x
    if not changed:
        return x
    integer = x.dtype.is_integer
    in_dtype = x.dtype
    out = tf.cast(x, tf.float32) if integer or interpolation == "area" else x
    perm = list(range(ndim))
    for axis, target in changed:
        w = _weight_matrix(static[axis], target, interpolation, antialias)
        w = tf.constant(w.astype(out.dtype.as_numpy_dtype))
        moved = tf.tensordot(out, w, axes=[[axis], [0]])
        out = tf.transpose(moved, [*perm[:axis], ndim - 1, *perm[axis : ndim - 1]])
    if integer and interpolation != "area":
        lo = tf.cast(tf.reduce_min(x), tf.float32)
        hi = tf.cast(tf.reduce_max(x), tf.float32)
        out = tf.cast(tf.clip_by_value(tf.round(out), lo, hi), in_dtype)
    return out
