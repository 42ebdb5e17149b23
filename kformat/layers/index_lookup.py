"""``StringLookup`` and ``IntegerLookup`` (``keras/src/layers/preprocessing/
index_lookup.py``, ``string_lookup.py``, ``integer_lookup.py``).

A lookup layer maps tokens to indices through a table: index 0 is the mask
token (``output_mode="int"`` with a ``mask_token`` only), then
``num_oov_indices`` out-of-vocabulary indices, then the vocabulary. The
vocabulary comes from the config (``vocabulary``) or, for an adapted layer,
from its asset ``assets/<layer path>/vocabulary.txt`` (spec §2.7): the runtime
reads the asset and sets :data:`ASSET_ATTR` on the layer. Strings are looked
up as their UTF-8 bytes (TensorFlow's ``tf.string``); ``encoding`` only
decodes what ``get_vocabulary`` returns.

With several OOV indices an unknown token's bucket is ``floormod(x, n)`` for
integers (``oov_method="floormod"``) or FarmHash ``Fingerprint64`` of its bytes
(of its decimal text for integers, ``tf.strings.as_string``) modulo ``n``
(``tf.strings.to_hash_bucket_fast``); a ``salt`` selects SipHash
(``to_hash_bucket_strong``), which is refused.

The other output modes encode the indices as ``encode_categorical_inputs``
does with the TensorFlow backend (``int64`` results; ``tf_idf`` multiplies the
counts by ``idf_weights``, a float32 array Keras saves by name,
``vars/idf_weights``, outside ``vars/0..n-1``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, f
from kformat.layers._lookup_table import (
    ASSET_ATTR,
    INT64_MAX,
    VOCABULARY_FILE,
    LookupTable,
    asset_vocabulary,
    encode,
    idf_weights,
    invert,
    is_string,
    keys_of,
    lookup_indices,
    lookup_table,
    mode_of,
    vocabulary_file,
)

__all__ = [
    "ASSET_ATTR",
    "DEFINITIONS",
    "INTEGER_LOOKUP",
    "STRING_LOOKUP",
    "VOCABULARY_FILE",
    "LookupTable",
    "asset_vocabulary",
    "call",
    "encode",
    "idf_weights",
    "keys_of",
    "lookup_indices",
    "lookup_table",
    "mode_of",
    "tf_call",
    "tf_encode",
    "tf_lookup",
    "vocabulary_file",
]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _refuse_unsupported(layer: Any) -> None:
    if layer.sparse:
        raise ValueError(f"{layer.name}: `sparse=True` needs TensorFlow's sparse tensors")
    if layer.salt is not None:
        raise ValueError(
            f"{layer.name}: `salt` hashes OOV tokens with SipHash "
            "(tf.strings.to_hash_bucket_strong), which this runtime does not implement"
        )


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass of StringLookup / IntegerLookup (``IndexLookup.call``)."""
    _refuse_unsupported(layer)
    unset = layer.vocabulary is None and getattr(layer, ASSET_ATTR, None) is None
    if layer.output_mode != "int" and not layer.pad_to_max_tokens and unset:
        raise RuntimeError(
            f"When using `output_mode={layer.output_mode}` and `pad_to_max_tokens=False`, "
            "you must set the layer's vocabulary before calling it."
        )
    if layer.invert:
        return invert(layer, np.asarray(inputs))
    keys = keys_of(layer, inputs)
    scalar = keys.ndim == 0
    indices = lookup_indices(layer, keys.reshape(1) if scalar else keys)
    if layer.output_mode == "int":
        return indices.reshape(()) if scalar else indices
    return encode(layer, indices)


# -- TensorFlow twin ----------------------------------------------------------------


def tf_table(ctx: Any, layer: Any) -> Any:
    """The layer's table as ``tf.lookup.StaticHashTable`` (what Keras builds), made
    once outside the trace and tracked by the SavedModel (``ctx.resource``)."""
    tf = ctx.tf
    table = lookup_table(layer)
    key_dtype = tf.string if table.string else tf.as_dtype(layer.vocabulary_dtype)
    tokens = table.tokens
    indices = list(range(table.token_start, table.token_start + len(tokens)))

    def make() -> Any:
        ids = tf.constant(indices, tf.int64) if indices else tf.zeros([0], tf.int64)
        words = tf.constant(tokens, key_dtype) if tokens else tf.zeros([0], key_dtype)
        if layer.invert:
            keys, values = ids, words
            default = tf.constant(table.key(layer.oov_token), key_dtype)
        else:
            keys, values = words, ids
            default = tf.constant(table.oov_start if layer.num_oov_indices == 1 else -1, tf.int64)
        init = tf.lookup.KeyValueTensorInitializer(keys, values)
        return tf.lookup.StaticHashTable(init, default)

    return ctx.resource(layer, "lookup_table", make)


def tf_lookup(ctx: Any, layer: Any, inputs: Any) -> Any:
    """``IndexLookup._lookup_dense`` with TensorFlow's ops."""
    tf = ctx.tf
    table = lookup_table(layer)
    lookups = tf_table(ctx, layer).lookup(inputs)
    if layer.mask_token is not None:
        if layer.invert:
            mask_key, mask_value = tf.constant(0, tf.int64), table.key(layer.mask_token)
        else:
            mask_key = table.key(layer.mask_token)
            mask_value = 0 if layer.output_mode == "int" else INT64_MAX
        lookups = tf.where(
            tf.equal(inputs, mask_key), tf.constant(mask_value, lookups.dtype), lookups
        )
    if layer.invert or layer.num_oov_indices <= 1:
        return lookups
    n = layer.num_oov_indices
    if not table.string and layer.oov_method != "farmhash":
        buckets = tf.math.floormod(inputs, tf.cast(n, inputs.dtype))
    else:
        text = inputs if table.string else tf.strings.as_string(inputs)
        buckets = tf.strings.to_hash_bucket_fast(text, num_buckets=n)
    buckets = tf.cast(buckets, tf.int64) + table.oov_start
    return tf.where(tf.equal(lookups, -1), buckets, lookups)


def tf_encode(ctx: Any, layer: Any, lookups: Any) -> Any:
    """The output modes with TensorFlow's ops (``tf_utils.dense_bincount``)."""
    tf = ctx.tf
    mode = layer.output_mode
    if mode == "int":
        return lookups
    depth = layer.max_tokens if layer.pad_to_max_tokens else lookup_table(layer).size
    if mode == "one_hot":
        x = lookups
        if x.shape.rank > 1 and x.shape[-1] == 1:
            x = tf.squeeze(x, -1)
        return tf.one_hot(x, depth, dtype=tf.int64)
    out = tf.math.bincount(
        lookups,
        minlength=depth,
        maxlength=depth,
        axis=-1,
        binary_output=mode == "multi_hot",
        dtype=tf.int64,
    )
    if mode == "tf_idf":
        return tf.cast(out, tf.float32) * tf.constant(idf_weights(layer))
    return out


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`."""
    tf = ctx.tf
    _refuse_unsupported(layer)
    if layer.invert:
        x = tf.cast(inputs, tf.int64)
    elif is_string(layer):
        x = inputs
    else:
        x = tf.cast(inputs, tf.as_dtype(layer.vocabulary_dtype))
    scalar = x.shape.rank == 0
    if scalar:
        x = tf.expand_dims(x, -1)
    lookups = tf_lookup(ctx, layer, x)
    if layer.num_oov_indices == 0 and not layer.invert:
        tf.debugging.assert_equal(
            tf.reduce_any(tf.equal(lookups, -1)), False, message="OOV values with num_oov_indices=0"
        )
    if layer.output_mode == "int":
        return tf.squeeze(lookups, -1) if scalar else lookups
    return tf_encode(ctx, layer, lookups)


# -- definitions ------------------------------------------------------------------


def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    """``IndexLookup.compute_output_shape``."""
    mode = mode_of(config.get("output_mode", "int"))
    if mode == "int":
        return shape
    if config.get("pad_to_max_tokens") is True:
        depth = config.get("max_tokens")
    else:
        depth = config.get("vocabulary_size")
    if not (depth is None or c.positive(depth)) or mode not in _MODES:
        return None
    if mode == "one_hot":
        return (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    return (*shape[:-1], depth)


def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    """``tf_idf`` layers save their ``idf_weights`` by name (``save_own_variables``)."""
    if mode_of(config.get("output_mode")) != "tf_idf":
        return ()
    if config.get("pad_to_max_tokens") is True and c.positive(config.get("max_tokens")):
        depth: int | None = config["max_tokens"]
    else:
        size = config.get("vocabulary_size")
        depth = size if c.positive(size) else None
    return (
        VariableSpec("idf_weights", (depth,), trainable=False, dtype="float32", key="idf_weights"),
    )


def get_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """``vocabulary_size`` as Keras records it once a vocabulary is set."""
    known = layer.vocabulary is not None or getattr(layer, ASSET_ATTR, None) is not None
    if config.get("vocabulary_size") is None and known:
        config["vocabulary_size"] = lookup_table(layer).size
    return config


def assets(config: Mapping[str, Any]) -> tuple[str, ...]:
    """``load_assets`` reads ``vocabulary.txt`` unless the config holds the vocabulary."""
    return (VOCABULARY_FILE,) if config.get("vocabulary") is None else ()


def _max_tokens(name: str, v: Any) -> str | None:
    if v is None or (c.is_int(v) and v > 1):
        return None
    return f"{name} must be greater than 1 or null, got {v!r}"


_TOKEN_LIST = c.Check(
    lambda name, v: (
        None
        if v is None or isinstance(v, list)
        else f"{name} must be an array of tokens or null, got {v!r}"
    ),
    "array or `null`",
)
_WEIGHTS = c.Check(
    lambda name, v: (
        None
        if v is None or (isinstance(v, list) and all(c.is_num(w) for w in v))
        else f"{name} must be an array of numbers or null, got {v!r}"
    ),
    "array of numbers, or `null`",
)
_SALT = c.Check(
    lambda name, v: (
        None
        if v is None
        or c.is_int(v)
        or (isinstance(v, list) and len(v) == 2 and all(c.is_int(s) for s in v))
        else f"{name} must be an integer, a pair of integers or null, got {v!r}"
    ),
    "int, [int, int], or `null`",
)


def _fields(string: bool) -> dict[str, Any]:
    token = c.opt(c.STR) if string else c.opt(c.INT)
    fields: dict[str, Any] = {
        "invert": f(c.BOOL, False),
        "max_tokens": f(c.Check(_max_tokens, "int>1 or `null`")),
        "num_oov_indices": f(c.NONNEG_INT, 1),
        "oov_token": f(token, "[UNK]" if string else -1),
        "mask_token": f(token),
        "output_mode": f(
            c.enum(*_MODES, "binary", "tf-idf"),
            "int",
            convert=mode_of,
            note="`binary` is read as `multi_hot`, `tf-idf` as `tf_idf`",
        ),
        "sparse": f(c.BOOL, False, note="`true` needs TensorFlow's sparse tensors"),
        "pad_to_max_tokens": f(c.BOOL, False),
    }
    if not string:
        # IntegerLookup refuses any other (``integer_lookup.py``).
        fields["vocabulary_dtype"] = f(c.enum("int64"), "int64")
    fields.update(
        {
            "idf_weights": f(_WEIGHTS, note="`tf_idf` only"),
            "vocabulary": f(_TOKEN_LIST, note="`null`: the vocabulary asset (§2.7)"),
            "vocabulary_size": f(c.opt(c.NONNEG_INT), note="recorded by Keras"),
            "oov_method": f(c.enum("floormod", "farmhash"), "floormod", note="Keras ≥ 3.14"),
            "salt": f(_SALT, note="Keras ≥ 3.14; refused by the runtime (SipHash)"),
        }
    )
    if string:
        fields["encoding"] = f(c.STR, "utf-8")
    return fields


STRING_LOOKUP = LayerDef(
    class_name="StringLookup",
    source="keras/src/layers/preprocessing/string_lookup.py",
    fields=_fields(string=True),
    call=call,
    tf_call=tf_call,
    variables=variables,
    output_shape=output_shape,
    config_base=("name", "trainable", "dtype"),
    autocast=False,
    get_config=get_config,
    assets=assets,
    summary="maps strings to vocabulary indices (or back, `invert`), optionally encoded",
    variables_doc='`output_mode="tf_idf"`: `vars/idf_weights` (float32, by name); else none',
)

INTEGER_LOOKUP = LayerDef(
    class_name="IntegerLookup",
    source="keras/src/layers/preprocessing/integer_lookup.py",
    fields=_fields(string=False),
    call=call,
    tf_call=tf_call,
    variables=variables,
    output_shape=output_shape,
    config_base=("name", "trainable", "dtype"),
    autocast=False,
    get_config=get_config,
    assets=assets,
    summary="maps integers to vocabulary indices (or back, `invert`), optionally encoded",
    variables_doc='`output_mode="tf_idf"`: `vars/idf_weights` (float32, by name); else none',
)

DEFINITIONS = (STRING_LOOKUP, INTEGER_LOOKUP)
