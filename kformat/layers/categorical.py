"""``Discretization`` and ``CategoryEncoding`` (``keras/src/layers/preprocessing/
discretization.py``, ``category_encoding.py``; ``keras/src/utils/numerical_utils.py``
``encode_categorical_inputs``).

Discretization buckets values by ``bin_boundaries`` (``digitize``: bucket ``i`` holds
``bins[i-1] <= x < bins[i]``); both layers then encode indices as Keras does:
``int`` (int32 indices), ``one_hot`` (a trailing axis of size 1 is dropped first),
``multi_hot`` (max of the one-hot rows over axis 1 for rank ≥ 2 inputs) or
``count`` (their sum, optionally weighted). Negative indices encode as zeros;
an index ≥ depth is refused. Neither layer has variables: an adapted
Discretization keeps its boundaries in the config.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = ["CATEGORY_ENCODING", "DEFINITIONS", "DISCRETIZATION"]

_MODES = ("int", "one_hot", "multi_hot", "count")


def _boundaries(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, list) or not all(c.is_num(b) for b in v):
        return f"{name} must be a list of finite numbers or null, got {v!r}"
    if any(b > a for b, a in itertools.pairwise(v)):
        return f"{name} must be sorted in increasing order, got {v!r}"
    return None


_BOUNDARIES = c.Check(_boundaries, "array of increasing numbers, or `null`")


def _encode(indices: Any, mode: str, depth: int, dtype: str, weights: Any = None) -> Any:
    if mode == "int":
        return indices.astype(np.int32)
    x = np.asarray(indices)
    if x.ndim == 0:
        x = x[np.newaxis]
    if mode == "one_hot" and x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    flat = x.reshape(-1).astype(np.int64)
    if flat.size and int(flat.max()) >= depth:
        raise ValueError(f"index {int(flat.max())} is out of range for depth {depth}")
    out_dtype = np.dtype(dtype) if weights is None else np.asarray(weights).dtype
    hot = np.zeros((flat.size, depth), out_dtype)
    valid = flat >= 0
    hot[np.nonzero(valid)[0], flat[valid]] = 1
    hot = hot.reshape(*x.shape, depth)
    if mode == "one_hot":
        return hot
    axis = 1 if x.ndim > 1 else 0
    if mode == "multi_hot":
        return np.max(hot, axis=axis)
    if weights is not None:
        hot = hot * np.expand_dims(np.asarray(weights), -1)
    return np.sum(hot, axis=axis)


def _tf_encode(
    ctx: Any, indices: Any, mode: str, depth: int, dtype: Any, weights: Any = None
) -> Any:
    tf = ctx.tf
    if mode == "int":
        return tf.cast(indices, tf.int32)
    x = indices
    if x.shape.rank == 0:
        x = x[tf.newaxis]
    if mode == "one_hot" and x.shape.rank > 1 and x.shape[-1] == 1:
        x = tf.squeeze(x, -1)
    out_dtype = dtype if weights is None else weights.dtype
    hot = tf.one_hot(tf.cast(x, tf.int32), depth, dtype=out_dtype)  # negative -> zeros
    if mode == "one_hot":
        return hot
    axis = 1 if x.shape.rank > 1 else 0
    if mode == "multi_hot":
        return tf.reduce_max(hot, axis=axis)
    if weights is not None:
        hot = hot * tf.expand_dims(weights, -1)
    return tf.reduce_sum(hot, axis=axis)


# -- Discretization ---------------------------------------------------------------


def discretize(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass of Discretization."""
    if layer.bin_boundaries is None:
        raise ValueError(
            "Discretization needs `bin_boundaries` (or an adapted layer) before it can run"
        )
    indices = np.digitize(np.asarray(inputs), layer.bin_boundaries).astype(np.int32)
    return _encode(indices, layer.output_mode, len(layer.bin_boundaries) + 1, layer.compute_dtype)


def tf_discretize(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`discretize` (``searchsorted(side="right")`` is ``digitize``)."""
    tf = ctx.tf
    if layer.bin_boundaries is None:
        raise ValueError(
            "Discretization needs `bin_boundaries` (or an adapted layer) before it can run"
        )
    x = tf.convert_to_tensor(inputs)
    bins = tf.constant([layer.bin_boundaries], dtype=tf.float64)
    flat = tf.reshape(tf.cast(x, tf.float64), (1, -1))
    indices = tf.reshape(tf.searchsorted(bins, flat, side="right", out_type=tf.int32), tf.shape(x))
    depth = len(layer.bin_boundaries) + 1
    return _tf_encode(ctx, indices, layer.output_mode, depth, ctx.dtype(layer.compute_dtype))


def _discretization_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    mode = config.get("output_mode", "int")
    bins = config.get("bin_boundaries")
    if mode == "int":
        return shape
    depth = len(bins) + 1 if isinstance(bins, list) else config.get("num_bins")
    return _encoded_shape(mode, depth, shape)


def _encoded_shape(mode: Any, depth: Any, shape: Shape) -> Shape | None:
    # CategoryEncoding.compute_output_shape
    if not c.positive(depth) or mode not in _MODES:
        return None
    if not shape:
        return (depth,)
    if mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return (*shape, depth)
    return (*shape[:-1], depth)


DISCRETIZATION = LayerDef(
    class_name="Discretization",
    source="keras/src/layers/preprocessing/discretization.py",
    fields={
        "bin_boundaries": f(_BOUNDARIES, note="set by `adapt` when `num_bins` is given"),
        "num_bins": f(c.opt(c.NONNEG_INT), note="with `bin_boundaries` only after `adapt`"),
        "epsilon": f(c.num(0.0, open_lo=True), 0.01),
        "output_mode": f(c.enum(*_MODES), "int"),
        "sparse": f(c.BOOL, False, note="`true` needs a backend with sparse tensors"),
    },
    call=discretize,
    tf_call=tf_discretize,
    output_shape=_discretization_shape,
    config_base=("name", "dtype"),
    # input_dtype is floatx whatever the layer's dtype: a Keras 3.0 file's int64
    # policy must not round the values before they are bucketed.
    autocast=False,
    summary="buckets numbers by boundaries, then encodes the bucket indices",
)


# -- CategoryEncoding -------------------------------------------------------------


def encode(layer: Any, inputs: Any, count_weights: Any = None) -> Any:
    """NumPy forward pass of CategoryEncoding."""
    if count_weights is not None and layer.output_mode != "count":
        raise ValueError(
            "`count_weights` is not used when `output_mode` is not `'count'`. "
            f"Received `count_weights={count_weights}`."
        )
    if count_weights is not None:
        count_weights = np.asarray(count_weights, layer.compute_dtype)
    x = np.asarray(inputs)
    return _encode(x, layer.output_mode, layer.num_tokens, layer.compute_dtype, count_weights)


def tf_encode(ctx: Any, layer: Any, inputs: Any, count_weights: Any = None) -> Any:
    """TensorFlow twin of :func:`encode`."""
    if count_weights is not None and layer.output_mode != "count":
        raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`.")
    dtype = ctx.dtype(layer.compute_dtype)
    if count_weights is not None:
        count_weights = ctx.cast(count_weights, dtype)
    return _tf_encode(ctx, inputs, layer.output_mode, layer.num_tokens, dtype, count_weights)


def _category_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    mode = config.get("output_mode", "multi_hot")
    return _encoded_shape(
        "multi_hot" if mode == "binary" else mode, config.get("num_tokens"), shape
    )


CATEGORY_ENCODING = LayerDef(
    class_name="CategoryEncoding",
    source="keras/src/layers/preprocessing/category_encoding.py",
    fields={
        "num_tokens": f(c.POS_INT, required=True),
        "output_mode": f(
            c.enum("one_hot", "multi_hot", "count", "binary"),
            "multi_hot",
            convert=lambda v: "multi_hot" if v == "binary" else v,
            note="`binary` is read as `multi_hot`",
        ),
        "sparse": f(
            c.BOOL,
            False,
            saved="if_set",
            note="accepted, not written by Keras 3; tf.keras writes it",
        ),
    },
    call=encode,
    tf_call=tf_encode,
    output_shape=_category_shape,
    summary="one-hot, multi-hot or count encoding of integer indices",
)

DEFINITIONS = (DISCRETIZATION, CATEGORY_ENCODING)
