"""The vocabulary table of the lookup layers in NumPy (``keras/src/layers/preprocessing/
index_lookup.py``): ``set_vocabulary``'s checks and special tokens, the asset file
``vocabulary.txt`` (``save_assets``/``load_assets``), ``_lookup_dense`` (mask, OOV buckets)
and the output modes of ``call``. :mod:`kformat.layers.index_lookup` defines the classes.
"""

from __future__ import annotations

import collections
import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from kformat.layers import _strings

__all__ = [
    "ASSET_ATTR",
    "INT64_MAX",
    "VOCABULARY_FILE",
    "LookupTable",
    "asset_vocabulary",
    "encode",
    "idf_weights",
    "invert",
    "is_string",
    "keys_of",
    "lookup_indices",
    "lookup_table",
    "mode_of",
    "vocabulary_file",
]

#: attribute the runtime sets on a lookup layer to the lines of its vocabulary asset.
ASSET_ATTR = "asset_vocabulary"
#: the asset file a lookup layer saves (``IndexLookup.save_assets``).
VOCABULARY_FILE = "vocabulary.txt"

#: the index a mask token gets in the modes other than ``int`` (dropped by the encodings).
INT64_MAX = np.iinfo(np.int64).max


def mode_of(v: Any) -> Any:
    """``output_mode`` as the constructor normalizes it."""
    return {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(v, v)


def is_string(layer: Any) -> bool:
    """StringLookup (and TextVectorization's inner lookup), not IntegerLookup."""
    return getattr(layer, "vocabulary_dtype", "string") == "string"


class LookupTable:
    """A lookup layer's vocabulary as ``set_vocabulary`` leaves it."""

    def __init__(self, layer: Any, vocabulary: Sequence[Any] | None) -> None:
        self.string = is_string(layer)
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
    if is_string(layer):
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


def _oov_buckets(layer: Any, keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    n = layer.num_oov_indices
    if not is_string(layer) and layer.oov_method != "farmhash":
        return np.asarray(np.mod(keys, n), dtype=np.int64)  # tf.math.floormod
    # Imported here: only num_oov_indices > 1 hashes.
    farmhash = importlib.import_module("kformat.layers._farmhash")
    text = keys if is_string(layer) else np.array([str(int(k)).encode() for k in keys], object)
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
        out[mask] = 0 if layer.output_mode == "int" else INT64_MAX
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


def invert(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
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
    if is_string(layer):
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
