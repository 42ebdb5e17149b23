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

import collections
import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers import _strings
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, f

__all__ = [
    "ASSET_ATTR",
    "DEFINITIONS",
    "INTEGER_LOOKUP",
    "STRING_LOOKUP",
    "LookupTable",
    "asset_vocabulary",
    "lookup_table",
    "vocabulary_file",
]

#: attribute the runtime sets on a lookup layer to the lines of its vocabulary asset.
ASSET_ATTR = "asset_vocabulary"
#: the asset file a lookup layer saves (``IndexLookup.save_assets``).
VOCABULARY_FILE = "vocabulary.txt"

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_INT64_MAX = np.iinfo(np.int64).max


def _mode(v: Any) -> Any:
    return {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(v, v)


def _is_string(layer: Any) -> bool:
    return getattr(layer, "vocabulary_dtype", "string") == "string"


class LookupTable:
    """A lookup layer's vocabulary as ``set_vocabulary`` leaves it."""

    def __init__(self, layer: Any, vocabulary: Sequence[Any] | None) -> None:
        self.string = _is_string(layer)
        mode = layer.output_mode
        self.oov_start = 1 if layer.mask_token is not None and mode == "int" else 0
        self.token_start = self.oov_start + layer.num_oov_indices
        vocab = [self.key(v) for v in (vocabulary or [])]
        special = [self.key(layer.mask_token)] * self.oov_start + [
            self.key(layer.oov_token)
        ] * layer.num_oov_indices
        self.found_special = vocab[: self.token_start] == special
        tokens = vocab[self.token_start :] if self.found_special else vocab
        if vocabulary is not None and not vocab:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {repeated}"
            )
        if layer.mask_token is not None and self.key(layer.mask_token) in tokens:
            raise ValueError(
                "Found reserved mask token at unexpected location in `vocabulary`. "
                f"Received: mask_token={layer.mask_token}"
            )
        if layer.invert and layer.oov_token is not None and self.key(layer.oov_token) in tokens:
            raise ValueError(
                "Found reserved OOV token at unexpected location in `vocabulary`. "
                f"Received: oov_token={layer.oov_token}"
            )
        size = self.token_start + len(tokens)
        if layer.max_tokens is not None and size > layer.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {size}; `max_tokens` is {layer.max_tokens}."
            )
        self.tokens = tokens
        self.size = size
        self.index = {t: i for i, t in enumerate(tokens, self.token_start)}

    def key(self, token: Any) -> Any:
        """A token as the table holds it (bytes for strings, int for integers)."""
        if token is None:
            return None
        if self.string:
            return token.encode("utf-8") if isinstance(token, str) else bytes(token)
        return int(token)

    def idf(self, layer: Any, weights: Sequence[float]) -> np.ndarray[Any, Any]:
        """``idf_weights`` padded as ``set_vocabulary`` pads them (float32)."""
        w = np.asarray(weights, dtype=np.float64)
        n_vocab = len(self.tokens) + (self.token_start if self.found_special else 0)
        if w.ndim != 1 or len(w) != n_vocab:
            raise ValueError(
                f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                f"{len(w)}; len(vocabulary) is {n_vocab}"
            )
        front = 0 if self.found_special else self.token_start
        back = 0
        if layer.pad_to_max_tokens and layer.max_tokens is not None:
            back = layer.max_tokens - front - len(w)
        fill = 0.0 if self.found_special else float(np.average(w))
        padded = np.pad(w, (front, back), "constant", constant_values=(fill, 0.0))
        return padded.astype(np.float32)


def asset_vocabulary(layer: Any, data: bytes) -> list[Any]:
    """The vocabulary ``IndexLookup.load_assets`` reads from ``vocabulary.txt``:
    its lines (trailing empty lines dropped), as ``int`` for IntegerLookup."""
    lines = data.decode("utf-8").splitlines()
    while lines and lines[-1] == "":
        lines.pop()
    if _is_string(layer):
        return lines
    return [int(line) for line in lines]


def vocabulary_file(layer: Any) -> bytes:
    """``vocabulary.txt`` as ``IndexLookup.save_assets`` writes it: the vocabulary
    with special tokens, one per line, no final newline."""
    table = lookup_table(layer)
    oov = layer.oov_token
    vocab: list[Any] = [oov] * table.size
    for token, i in table.index.items():
        vocab[i] = token.decode("utf-8") if isinstance(token, bytes) else token
    if layer.mask_token is not None and layer.output_mode == "int":
        vocab[0] = layer.mask_token
    return "\n".join(str(w) for w in vocab).encode("utf-8")


def lookup_table(layer: Any) -> LookupTable:
    """The layer's table, from its config vocabulary or its asset (cached)."""
    vocabulary = layer.vocabulary
    if isinstance(vocabulary, str):
        raise ValueError(
            f"{layer.name}: a vocabulary file path ({vocabulary!r}) reads a file outside the "
            "model; only a vocabulary list or the model's own asset is read"
        )
    if vocabulary is None:
        vocabulary = getattr(layer, ASSET_ATTR, None)
    cache = layer.__dict__.get("_lookup_table")
    if cache is not None and cache[0] is vocabulary:
        table: LookupTable = cache[1]
        return table
    table = LookupTable(layer, vocabulary)
    layer.__dict__["_lookup_table"] = (vocabulary, table)
    return table


def idf_weights(layer: Any) -> np.ndarray[Any, Any]:
    """The ``tf_idf`` weights: the loaded ``vars/idf_weights``, else the config's, padded."""
    loaded = getattr(layer, "idf_value", None)
    if loaded is not None:
        return np.asarray(loaded, dtype=np.float32)
    if layer.idf_weights is None:
        raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
    return lookup_table(layer).idf(layer, layer.idf_weights)


def _refuse_unsupported(layer: Any) -> None:
    if layer.sparse:
        raise ValueError(f"{layer.name}: `sparse=True` needs TensorFlow's sparse tensors")
    if layer.salt is not None:
        raise ValueError(
            f"{layer.name}: `salt` hashes OOV tokens with SipHash "
            "(tf.strings.to_hash_bucket_strong), which this runtime does not implement"
        )


def _oov_buckets(layer: Any, keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    n = layer.num_oov_indices
    if not _is_string(layer) and layer.oov_method != "farmhash":
        return np.asarray(np.mod(keys, n), dtype=np.int64)  # tf.math.floormod
    # Imported here: only num_oov_indices > 1 hashes.
    farmhash = importlib.import_module("kformat.layers._farmhash")
    text = keys if _is_string(layer) else np.array([str(int(k)).encode() for k in keys], object)
    hashed = np.asarray(farmhash.fingerprint64_array(text), dtype=np.uint64)
    return np.asarray(hashed % np.uint64(n), dtype=np.int64)


def lookup_indices(layer: Any, keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``IndexLookup._lookup_dense`` for a non-inverted layer: int64 indices."""
    table = lookup_table(layer)
    flat = keys.reshape(-1)
    uniq, inverse = np.unique(flat, return_inverse=True)
    found = np.array([table.index.get(k, -1) for k in uniq.tolist()], dtype=np.int64)
    out = found[inverse.reshape(-1)]
    oov = out == -1
    if layer.mask_token is not None:
        mask = flat == table.key(layer.mask_token)
        out[mask] = 0 if layer.output_mode == "int" else _INT64_MAX
        oov &= ~mask
    if np.any(oov):
        n = layer.num_oov_indices
        if n == 0:
            raise ValueError(
                "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                f"{flat[oov].tolist()[:10]}, consider setting `num_oov_indices=1`."
            )
        out[oov] = table.oov_start if n == 1 else _oov_buckets(layer, flat[oov]) + table.oov_start
    return np.asarray(out.reshape(keys.shape))


def _invert(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    table = lookup_table(layer)
    by_index = {i: t for t, i in table.index.items()}
    default = table.key(layer.oov_token)
    flat = x.reshape(-1).astype(np.int64)
    uniq, inverse = np.unique(flat, return_inverse=True)
    values = [by_index.get(i, default) for i in uniq.tolist()]
    if layer.mask_token is not None:
        values = [
            table.key(layer.mask_token) if i == 0 else v
            for i, v in zip(uniq.tolist(), values, strict=True)
        ]
    if table.string:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    else:
        arr = np.array(values, dtype=layer.vocabulary_dtype)
    return np.asarray(arr[inverse.reshape(-1)].reshape(x.shape))


def keys_of(layer: Any, inputs: Any) -> np.ndarray[Any, Any]:
    """Inputs as table keys: bytes (object array) for strings, the vocabulary
    dtype for integers (``tf_utils.ensure_tensor(inputs, dtype=key_dtype)``)."""
    if _is_string(layer):
        return _strings.as_bytes(inputs)
    x = np.asarray(inputs)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{layer.name}: IntegerLookup needs integer inputs, got {x.dtype}")
    return x.astype(layer.vocabulary_dtype)


def encode(layer: Any, indices: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``IndexLookup.call`` after the lookup: the output mode's encoding."""
    mode = layer.output_mode
    if mode == "int":
        return indices
    depth = layer.max_tokens if layer.pad_to_max_tokens else lookup_table(layer).size
    if mode == "one_hot":
        x = (
            indices.reshape(indices.shape[:-1])
            if indices.ndim > 1 and indices.shape[-1] == 1
            else indices
        )
        flat = x.reshape(-1)
        hot = np.zeros((flat.size, depth), np.int64)
        ok = (flat >= 0) & (flat < depth)
        hot[np.nonzero(ok)[0], flat[ok]] = 1
        return hot.reshape(*x.shape, depth)
    if indices.ndim > 2:
        raise ValueError(
            "When output_mode is not `'int'`, maximum supported output rank is 2. Received "
            f"output_mode {mode} and input shape {indices.shape}"
        )
    rows = indices.reshape(1, -1) if indices.ndim == 1 else indices
    counts = np.zeros((rows.shape[0], depth), np.int64)
    r, col = np.nonzero((rows >= 0) & (rows < depth))
    np.add.at(counts, (r, rows[r, col]), 1)
    if mode == "multi_hot":
        counts = np.minimum(counts, 1)
    out = counts.reshape(depth) if indices.ndim == 1 else counts
    if mode == "tf_idf":
        return np.asarray(out.astype(np.float32) * idf_weights(layer))
    return out


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
        return _invert(layer, np.asarray(inputs))
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
            mask_value = 0 if layer.output_mode == "int" else _INT64_MAX
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
    elif _is_string(layer):
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
    mode = _mode(config.get("output_mode", "int"))
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
    if _mode(config.get("output_mode")) != "tf_idf":
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
            convert=_mode,
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
