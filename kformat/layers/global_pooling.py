"""``GlobalAveragePooling1D/2D/3D`` and ``GlobalMaxPooling1D/2D/3D``
(``keras/src/layers/pooling/base_global_pooling.py``): a mean or max over all
spatial axes, kept with length 1 when ``keepdims``.

``GlobalAveragePooling1D`` alone takes a mask
(``keras/src/layers/pooling/global_average_pooling1d.py``): masked steps are
left out of the mean, and its output carries no mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f
from kformat.layers._spatial import channels_first, data_format_field, spatial_axes

__all__ = ["DEFINITIONS"]


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        first = channels_first(config)
        keepdims = config.get("keepdims", False)
        if first is None or not isinstance(keepdims, bool) or len(shape) != rank + 2:
            return None
        channels = shape[1] if first else shape[-1]
        if not keepdims:
            return (shape[0], channels)
        ones = (1,) * rank
        return (shape[0], channels, *ones) if first else (shape[0], *ones, channels)

    return output_shape


def _mean(x: np.ndarray[Any, Any], axes: Any, keepdims: bool) -> np.ndarray[Any, Any]:
    # ``keras.ops.mean``: integers and booleans average to float32, floats keep their dtype.
    out: np.ndarray[Any, Any] = np.asarray(np.mean(x, axis=axes, keepdims=keepdims))
    exact = np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_
    return out.astype(np.float32 if exact else x.dtype, copy=False)


def _tf_mean(ctx: Any, x: Any, axes: Any, keepdims: bool) -> Any:
    tf = ctx.tf
    if x.dtype.is_integer or x.dtype == tf.bool:
        x = ctx.cast(x, tf.float32)
    return tf.reduce_mean(x, axis=axes, keepdims=keepdims)


def _check_rank(layer: Any, x: Any, rank: int) -> None:
    if x.ndim != rank + 2:
        raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")


def _forward(rank: int, mode: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass."""
        x = np.asarray(inputs)
        _check_rank(layer, x, rank)
        axes = spatial_axes(rank, layer.data_format == "channels_first")
        if mode == "max":
            return np.max(x, axis=axes, keepdims=layer.keepdims)
        return _mean(x, axes, layer.keepdims)

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin of the forward pass."""
        tf = ctx.tf
        axes = list(spatial_axes(rank, layer.data_format == "channels_first"))
        if mode == "max":
            return tf.reduce_max(inputs, axis=axes, keepdims=layer.keepdims)
        return _tf_mean(ctx, inputs, axes, layer.keepdims)

    return call, tf_call


def _average_1d(layer: Any, inputs: Any, mask: Any = None) -> Any:
    """NumPy forward pass; with a mask, the mean of the unmasked steps."""
    x = np.asarray(inputs)
    _check_rank(layer, x, 1)
    last = layer.data_format == "channels_last"
    steps = 1 if last else 2
    if mask is None:
        return _mean(x, steps, layer.keepdims)
    m = np.expand_dims(np.asarray(mask, bool), 2 if last else 1)
    total = np.sum(np.where(m, x, np.asarray(0, x.dtype)), axis=steps, keepdims=layer.keepdims)
    count = np.sum(m.astype(x.dtype), axis=steps, keepdims=layer.keepdims)
    return total / count


def _tf_average_1d(ctx: Any, layer: Any, inputs: Any, mask: Any = None) -> Any:
    """TensorFlow twin of :func:`_average_1d`."""
    tf = ctx.tf
    last = layer.data_format == "channels_last"
    steps = 1 if last else 2
    if mask is None:
        return _tf_mean(ctx, inputs, steps, layer.keepdims)
    m = tf.expand_dims(ctx.cast(mask, tf.bool), 2 if last else 1)
    zero = tf.zeros([], inputs.dtype)
    total = tf.reduce_sum(tf.where(m, inputs, zero), axis=steps, keepdims=layer.keepdims)
    count = tf.reduce_sum(ctx.cast(m, inputs.dtype), axis=steps, keepdims=layer.keepdims)
    return total / count


def _no_mask(layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """Pooling over the steps removes the mask."""
    return None


def _tf_no_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    """TensorFlow twin of :func:`_no_mask`."""
    return None


def _definition(rank: int, mode: str) -> LayerDef:
    kind = "Max" if mode == "max" else "Average"
    call, tf_call = _forward(rank, mode)
    masked = mode == "average" and rank == 1
    word = "max" if mode == "max" else "average"
    return LayerDef(
        class_name=f"Global{kind}Pooling{rank}D",
        source=f"keras/src/layers/pooling/global_{word}_pooling{rank}d.py",
        fields={"data_format": data_format_field(), "keepdims": f(c.BOOL, False)},
        call=_average_1d if masked else call,
        tf_call=_tf_average_1d if masked else tf_call,
        compute_mask=_no_mask if masked else None,
        tf_compute_mask=_tf_no_mask if masked else None,
        output_shape=_output_shape(rank),
        aliases=(f"Global{'Max' if mode == 'max' else 'Avg'}Pool{rank}D",),
        summary=f"{word} over all {rank} spatial axes"
        + ("; masked steps are left out" if masked else ""),
    )


DEFINITIONS = tuple(_definition(rank, mode) for mode in ("average", "max") for rank in (1, 2, 3))
