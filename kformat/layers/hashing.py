"""``Hashing`` and ``HashedCrossing`` (``keras/src/layers/preprocessing/hashing.py``,
``hashed_crossing.py``): string/integer features to hash bins, bit-identical to TensorFlow.

Keras 3 runs both layers with TensorFlow ops whatever the backend:

* ``Hashing`` turns numbers into strings (floats truncated to int64 first, then
  ``tf.as_string``: decimal digits), then takes ``tf.strings.to_hash_bucket_fast``
  (FarmHash ``Fingerprint64`` modulo the bins) or, with a ``salt``,
  ``tf.strings.to_hash_bucket_strong`` (SipHash-2-4 keyed by the two salt words). With a
  ``mask_value`` bin 0 is reserved for it and the others are shifted by one.
* ``HashedCrossing`` is ``tf.sparse.cross_hashed`` on ``(batch, 1)`` features
  (tensorflow/core/kernels/sparse_cross_op.cc, ``HashCrosser``): starting from the hash key
  ``0xDECAFCAFFE``, each feature's hash (``Fingerprint64`` of a string, the int64 value
  itself for integers) is folded in with ``FingerprintCat64``, then taken modulo
  ``num_bins``.

Indices are then encoded as ``keras/src/utils/numerical_utils.py``
``encode_categorical_inputs`` does, in the layer's dtype (``int64`` by default in ``int``
mode: what the TensorFlow backend returns; Keras' NumPy and JAX backends hand ``Hashing``'s
result back as ``int32`` when they convert the TensorFlow tensor, the values unchanged). Sparse outputs have no NumPy form: the runtime
refuses ``sparse=True`` when the layer is built from its config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f
from kformat.layers._farmhash import fingerprint64_array, fingerprint_cat64, to_bytes_list
from kformat.layers._siphash import siphash24_array

__all__ = ["DEFINITIONS", "HASHED_CROSSING", "HASHING"]

_MODES = ("int", "one_hot", "multi_hot", "count")
#: ``tf.sparse.cross_hashed``'s default ``hash_key`` (tensorflow/python/ops/sparse_ops.py).
_CROSS_HASH_KEY = 0xDECAFCAFFE
#: the modulus of ``tf.sparse.cross_hashed(num_buckets=0)``: int64's maximum
_NO_BINS = 2**63 - 1


def _refuse_sparse(value: Any) -> Any:
    if value is True:
        raise UnsupportedFeatureError(
            "sparse=True outputs a sparse tensor; the NumPy runtime has only dense arrays"
        )
    return value


def _salt(name: str, v: Any) -> str | None:
    # Hashing.__init__: None, an int (used as both key words) or a pair of ints; TensorFlow
    # takes the key as int64 attributes and reads them as uint64.
    words = [v] if c.is_int(v) else v if isinstance(v, list) and len(v) == 2 else None
    if v is None or (
        words is not None and all(c.is_int(w) and -(2**63) <= w < 2**63 for w in words)
    ):
        return None
    return (
        f"{name} must be null, an integer or a list of 2 integers (each fitting int64), got {v!r}"
    )


_SALT = c.Check(_salt, "`null`, integer, or array of 2 integers (int64)")
_MASK_VALUE = c.Check(
    lambda name, v: (
        None
        if v is None or isinstance(v, str) or c.is_num(v)
        else f"{name} must be null, a string or a number, got {v!r}"
    ),
    "`null`, string or number",
)


def _is_string_array(x: np.ndarray[Any, Any]) -> bool:
    return x.dtype.kind in "USO"


def _as_strings(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``tf.as_string`` of numbers (floats truncated to int64 first, as Keras does)."""
    if _is_string_array(x):
        return x
    if x.dtype.kind == "b":
        return np.where(x, "true", "false")
    if x.dtype.kind == "f":
        x = x.astype(np.int64)
    if x.dtype.kind not in "iu":
        raise ValueError(f"Hashing takes strings or numbers, got dtype {x.dtype}")
    return x.astype(str)


def _equal(x: np.ndarray[Any, Any], value: Any) -> np.ndarray[Any, Any]:
    """``tf.equal(x, value)``: strings compare as UTF-8 bytes, numbers as numbers."""
    if _is_string_array(x):
        if not isinstance(value, str | bytes):
            raise ValueError(f"mask_value {value!r} cannot be compared with string inputs")
        want = value.encode() if isinstance(value, str) else value
        hits = np.array([v == want for v in to_bytes_list(x)], dtype=bool)
        shaped: np.ndarray[Any, Any] = hits.reshape(x.shape)
        return shaped
    if isinstance(value, str | bytes):
        raise ValueError(f"mask_value {value!r} cannot be compared with numeric inputs")
    same: np.ndarray[Any, Any] = np.asarray(x == value)
    return same


def _hash_bins(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    # Hashing._hash_values_to_bins
    bins = layer.num_bins
    mask = None
    if layer.mask_value is not None and bins > 1:
        bins -= 1
        mask = _equal(x, layer.mask_value)
    strings = _as_strings(x)
    hashes = (
        fingerprint64_array(strings) if layer.salt is None else siphash24_array(strings, layer.salt)
    )
    out: np.ndarray[Any, Any] = (hashes % np.uint64(bins)).astype(np.int64)
    if mask is not None:
        out = np.where(mask, np.int64(0), out + 1)
    return out


def _encode(indices: np.ndarray[Any, Any], mode: str, depth: int, dtype: str) -> Any:
    # encode_categorical_inputs with indices known to lie in [0, depth).
    if mode == "int":
        return indices.astype(dtype)
    x = indices[np.newaxis] if indices.ndim == 0 else indices
    if mode == "one_hot" and x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    hot = np.zeros((*x.shape, depth), dtype=dtype)
    if depth:  # HashedCrossing(num_bins=0) one-hot encodes into nothing
        np.put_along_axis(hot, x[..., np.newaxis], 1, axis=-1)
    if mode == "one_hot":
        return hot
    # multi_hot / count: over the last axis for rank <= 2 (TensorFlow's bincount), over
    # axis 1 for higher ranks (the backend's one_hot + reduce) - the same axis either way.
    axis = 1 if x.ndim > 1 else 0
    return np.max(hot, axis=axis) if mode == "multi_hot" else np.sum(hot, axis=axis, dtype=dtype)


def _check_dtype(layer: Any) -> None:
    if layer.output_mode == "int" and layer.compute_dtype not in ("int32", "int64"):
        raise ValueError(
            f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or "
            f"'int64'. Received: dtype={layer.compute_dtype}"
        )


def hashing(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass of Hashing."""
    _check_dtype(layer)
    x = np.asarray(inputs)
    if layer.output_mode == "one_hot" and x.ndim > 0 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    bins = _hash_bins(layer, x)
    return _encode(bins, layer.output_mode, layer.num_bins, layer.compute_dtype)


def _tf_encode(ctx: Any, indices: Any, mode: str, depth: int, dtype: str) -> Any:
    tf = ctx.tf
    out_dtype = ctx.dtype(dtype)
    if mode == "int":
        return tf.cast(indices, out_dtype)
    x = indices[tf.newaxis] if indices.shape.rank == 0 else indices
    if mode == "one_hot" and x.shape.rank > 1 and x.shape[-1] == 1:
        x = tf.squeeze(x, -1)
    if mode == "one_hot":
        return tf.one_hot(x, depth, dtype=out_dtype)
    if x.shape.rank <= 2:  # Keras' TensorFlow fast path
        counts = tf.math.bincount(
            x, minlength=depth, maxlength=depth, axis=-1, binary_output=mode == "multi_hot"
        )
        return tf.cast(counts, out_dtype)
    hot = tf.one_hot(x, depth, dtype=out_dtype)
    return tf.reduce_max(hot, axis=1) if mode == "multi_hot" else tf.reduce_sum(hot, axis=1)


def tf_hashing(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`hashing`: the ops Keras calls."""
    tf = ctx.tf
    _check_dtype(layer)
    x = tf.convert_to_tensor(inputs)
    if layer.output_mode == "one_hot" and x.shape.rank > 0 and x.shape[-1] == 1:
        x = tf.squeeze(x, -1)
    bins = layer.num_bins
    mask = None
    if layer.mask_value is not None and bins > 1:
        bins -= 1
        mask = tf.equal(x, tf.constant(layer.mask_value, x.dtype))
    if x.dtype.is_floating:
        x = tf.cast(x, tf.int64)
    if x.dtype != tf.string:
        x = tf.strings.as_string(x)
    if layer.salt is None:
        out = tf.strings.to_hash_bucket_fast(x, bins)
    else:
        out = tf.strings.to_hash_bucket_strong(x, bins, key=layer.salt)
    if mask is not None:
        out = tf.where(mask, tf.zeros_like(out), out + 1)
    return _tf_encode(ctx, out, layer.output_mode, layer.num_bins, layer.compute_dtype)


def _encoded_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    # Hashing.compute_output_spec: the last axis becomes `num_bins` except in int mode.
    mode, depth = config.get("output_mode", "int"), config.get("num_bins")
    if mode not in _MODES or not c.positive(depth):
        return None
    if mode == "int":
        return shape
    return (*shape[:-1], depth)


def _default_dtype(config: Mapping[str, Any]) -> str | None:
    # Both constructors: int64 indices in int mode, floatx (None here) otherwise.
    return "int64" if config.get("output_mode", "int") == "int" else None


HASHING = LayerDef(
    class_name="Hashing",
    source="keras/src/layers/preprocessing/hashing.py",
    fields={
        "num_bins": f(c.POS_INT, required=True),
        "salt": f(
            _SALT,
            convert=lambda v: [v, v] if c.is_int(v) else v,
            note="an integer is written as `[salt, salt]`",
        ),
        "mask_value": f(_MASK_VALUE),
        "output_mode": f(c.enum(*_MODES), "int"),
        "sparse": f(c.BOOL, False, convert=_refuse_sparse, note="`true` is refused by the runtime"),
    },
    call=hashing,
    tf_call=tf_hashing,
    output_shape=_encoded_shape,
    autocast=False,
    default_dtype=_default_dtype,
    summary="hashes strings or integers into `num_bins` bins (FarmHash64, SipHash with `salt`)",
)


# -- HashedCrossing ---------------------------------------------------------------


def _cross_features(inputs: Any) -> tuple[list[np.ndarray[Any, Any]], tuple[int, ...]]:
    # HashedCrossing._check_at_least_two_inputs / _check_input_shape_and_type
    if not isinstance(inputs, list | tuple) or len(inputs) < 2:
        raise ValueError(
            "`HashedCrossing` should be called on a list or tuple of at least two inputs"
        )
    xs = [np.asarray(x) for x in inputs]
    shape = xs[0].shape
    if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
        raise ValueError(
            "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
            f"`(batch_size, 1)`. Received shape {shape}"
        )
    if any(x.shape != shape for x in xs[1:]):
        raise ValueError("All `HashedCrossing` inputs should have equal shape")
    if not all(_is_string_array(x) or x.dtype.kind in "iu" for x in xs):
        raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype")
    return xs, shape


def _feature_hash(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    # sparse_cross_op.cc DenseTensorColumn<int64>::Feature: strings by Fingerprint64,
    # integers (cast to int64 by tf.sparse.cross_hashed) as their own bits.
    if _is_string_array(x):
        return fingerprint64_array(x.reshape(-1))
    return x.reshape(-1).astype(np.int64).view(np.uint64)


def hashed_crossing(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass of HashedCrossing."""
    xs, shape = _cross_features(inputs)
    h = np.full(max(1, int(np.prod(shape))), _CROSS_HASH_KEY, dtype=np.uint64)
    for x in xs:
        h = fingerprint_cat64(h, _feature_hash(x))
    out = (h % np.uint64(layer.num_bins or _NO_BINS)).astype(np.int64).reshape(shape)
    return _encode(out, layer.output_mode, layer.num_bins, layer.compute_dtype)


def tf_hashed_crossing(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`hashed_crossing`: ``tf.sparse.cross_hashed`` as Keras calls it."""
    tf = ctx.tf
    xs = [tf.convert_to_tensor(x) for x in inputs]
    rank = xs[0].shape.rank
    if rank < 2:
        xs = [tf.expand_dims(x, -1) for x in xs]
    if rank < 1:
        xs = [tf.expand_dims(x, -1) for x in xs]
    out = tf.sparse.to_dense(tf.sparse.cross_hashed(xs, layer.num_bins))
    # One cross per row: Keras re-applies the static (batch, 1) shape the op loses.
    out = tf.reshape(out, [-1, 1])
    if rank == 1:
        out = tf.squeeze(out, axis=1)
    elif rank == 0:
        out = tf.reshape(out, [])
    return _tf_encode(ctx, out, layer.output_mode, layer.num_bins, layer.compute_dtype)


def _crossing_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    # HashedCrossing.get_config replaces Layer's: its own keys first, then `name`, and
    # `dtype` as the dtype's name; no `trainable`.
    return {
        "num_bins": config["num_bins"],
        "output_mode": config["output_mode"],
        "sparse": config["sparse"],
        "name": layer.name,
        "dtype": layer.dtype,
    }


def _crossing_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    # HashedCrossing.compute_output_shape (given the first input's shape)
    mode, depth = config.get("output_mode", "int"), config.get("num_bins")
    if mode not in ("int", "one_hot") or c.NONNEG_INT("num_bins", depth) is not None:
        return None
    if mode == "int":
        return shape
    if not shape or shape[-1] != 1:
        return (*shape, depth)
    return (*shape[:-1], depth)


def _first_shape(shape: Any) -> Shape:
    if isinstance(shape, Sequence) and shape and all(isinstance(s, Sequence) for s in shape):
        return tuple(shape[0])
    return tuple(shape)


HASHED_CROSSING = LayerDef(
    class_name="HashedCrossing",
    source="keras/src/layers/preprocessing/hashed_crossing.py",
    fields={
        "num_bins": f(
            c.NONNEG_INT,
            required=True,
            note="`0`: the whole hash modulo 2**63 - 1 (`tf.sparse.cross_hashed`)",
        ),
        "output_mode": f(c.enum("int", "one_hot"), "int"),
        "sparse": f(c.BOOL, False, convert=_refuse_sparse, note="`true` is refused by the runtime"),
    },
    call=hashed_crossing,
    tf_call=tf_hashed_crossing,
    output_shape=lambda config, shape: _crossing_shape(config, _first_shape(shape)),
    config_base=("name", "dtype"),
    get_config=_crossing_config,
    autocast=False,
    default_dtype=_default_dtype,
    summary="hashes the cross of two or more string/integer features into `num_bins` bins; "
    "its config has no `trainable` and `dtype` is a dtype name",
)

DEFINITIONS = (HASHING, HASHED_CROSSING)
