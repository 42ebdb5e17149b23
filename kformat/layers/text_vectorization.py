"""``TextVectorization`` (``keras/src/layers/preprocessing/text_vectorization.py``).

Strings go through ``_preprocess`` — standardize (``tf.strings.lower``, ASCII
only, and removal of ASCII punctuation), split (ASCII whitespace or UTF-8 code
points), n-grams — and then through the layer's inner ``StringLookup``
(``_lookup_layer``, mask token ``""``: index 0 pads, 1 is OOV), saved as its
sub-layer (spec §6.7) with its own copy of the vocabulary asset (§2.7). Split
tokens form ragged rows: ``int`` output pads them with 0 to
``output_sequence_length`` (or the longest row), the other modes count them
per row. See :mod:`kformat.layers._strings` for the string kernels.

Refused, as Keras refuses them without the TensorFlow backend or as only a
Python function could compute them: custom ``standardize``/``split`` callables
(serialized functions), ``ragged=True`` and ``sparse=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers import _strings
from kformat.layers import index_lookup as lk
from kformat.layers._def import InputShape, LayerDef, Shape, SublayerSpec, VariableSpec, f

__all__ = ["DEFINITIONS", "TEXT_VECTORIZATION"]

_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _widths(ngrams: Any) -> tuple[int, ...] | None:
    if ngrams is None:
        return None
    if isinstance(ngrams, int):
        return tuple(range(1, ngrams + 1))
    return tuple(ngrams)


def _refuse_unsupported(layer: Any) -> None:
    for key in ("standardize", "split"):
        value = getattr(layer, key)
        if value is not None and not isinstance(value, str):
            name = value.get("config", value) if isinstance(value, dict) else value
            raise ValueError(
                f"{layer.name}: a custom `{key}` function ({name!r}) is Python code, which this "
                "runtime does not run; only the built-in modes are supported"
            )
    if layer.ragged:
        raise ValueError(
            f"{layer.name}: `ragged=True` returns a tf.RaggedTensor; Keras allows it only with "
            "the TensorFlow backend, and so does this runtime"
        )
    if layer.sparse:
        raise ValueError(f"{layer.name}: `sparse=True` needs TensorFlow's sparse tensors")
    if layer.split is None and layer.ngrams is not None:
        raise ValueError(f"{layer.name}: `ngrams` without `split` is not supported")


def _lookup(layer: Any) -> Any:
    return layer._lookup_layer


def _standardize(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if layer.standardize in ("lower", "lower_and_strip_punctuation"):
        x = _strings.lower_ascii(x)
    if layer.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        x = _strings.strip_punctuation(x)
    return x


def _rows(layer: Any, x: np.ndarray[Any, Any]) -> list[list[bytes]]:
    if x.ndim > 1:
        if x.shape[-1] != 1:
            raise ValueError(
                "When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                f"or the last shape dimension must be 1. Received: inputs.shape={x.shape}"
            )
        x = x.reshape(x.shape[:-1])
    if x.ndim != 1:
        raise ValueError(f"{layer.name}: expected a batch of strings, got shape {x.shape}")
    if layer.split == "whitespace":
        rows = _strings.split_whitespace(x)
    else:
        rows = _strings.split_characters(x)
    widths = _widths(layer.ngrams)
    return rows if widths is None else _strings.ngrams(rows, widths)


def call(layer: Any, inputs: Any) -> Any:
    """NumPy forward pass (``TextVectorization.call``)."""
    _refuse_unsupported(layer)
    lookup = _lookup(layer)
    x = _standardize(layer, _strings.as_bytes(inputs))
    length = layer.output_sequence_length
    if layer.split is None:
        out = lk.call(lookup, x)
        if layer.output_mode != "int" or length is None:
            return out
        out = out[..., :length]
        pad = [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])]
        return np.pad(out, pad)
    rows = _rows(layer, x)
    lens = np.array([len(r) for r in rows], dtype=np.int64)
    flat = np.empty(int(lens.sum()), dtype=object)
    flat[:] = [t for r in rows for t in r]
    indices = lk.lookup_indices(lookup, flat)
    batch = len(rows)
    if layer.output_mode == "int":
        width = int(lens.max(initial=0)) if length is None else length
        out = np.zeros((batch, width), np.int64)
        col = np.arange(flat.size) - np.repeat(np.cumsum(lens) - lens, lens)
        row = np.repeat(np.arange(batch), lens)
        keep = col < width
        out[row[keep], col[keep]] = indices[keep]
        return out
    if layer.output_mode == "one_hot":
        raise ValueError(f"{layer.name}: `output_mode='one_hot'` of split text is ragged")
    depth = lookup.max_tokens if lookup.pad_to_max_tokens else lk.lookup_table(lookup).size
    counts = np.zeros((batch, depth), np.int64)
    row = np.repeat(np.arange(batch), lens)
    ok = (indices >= 0) & (indices < depth)
    np.add.at(counts, (row[ok], indices[ok]), 1)
    if layer.output_mode == "multi_hot":
        return np.minimum(counts, 1)
    if layer.output_mode == "tf_idf":
        return counts.astype(np.float32) * lk.idf_weights(lookup)
    return counts


def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """TensorFlow twin of :func:`call`: Keras' own ``_preprocess`` ops."""
    tf = ctx.tf
    _refuse_unsupported(layer)
    lookup = _lookup(layer)
    x = inputs
    if layer.standardize in ("lower", "lower_and_strip_punctuation"):
        x = tf.strings.lower(x)
    if layer.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        x = tf.strings.regex_replace(x, _PUNCTUATION, "")
    length = layer.output_sequence_length
    if layer.split is None:
        out = lk.tf_call(ctx, lookup, x)
        if layer.output_mode != "int" or length is None:
            return out
        out = out[..., :length]
        pad = length - tf.shape(out)[-1]
        paddings = tf.concat([tf.zeros((out.shape.rank - 1, 2), tf.int32), [[0, pad]]], 0)
        return tf.pad(out, paddings)
    if x.shape.rank > 1:
        x = tf.squeeze(x, axis=-1)
    split = tf.strings.split if layer.split == "whitespace" else tf.strings.unicode_split
    x = split(x) if layer.split == "whitespace" else split(x, "UTF-8")
    widths = _widths(layer.ngrams)
    if widths is not None:
        x = tf.strings.ngrams(x, ngram_width=widths, separator=" ")
    lookups = tf.ragged.map_flat_values(lambda v: lk.tf_lookup(ctx, lookup, v), x)
    if layer.output_mode == "int":
        return lookups.to_tensor(default_value=0, shape=[None, length])
    return lk.tf_encode(ctx, lookup, lookups)


def get_config(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """``vocabulary_size`` is the inner lookup's current size (2 before ``adapt``)."""
    config["vocabulary_size"] = lk.lookup_table(_lookup(layer)).size
    return config


def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    """``TextVectorization.compute_output_shape``."""
    mode = lk.mode_of(config.get("output_mode", "int"))
    if not shape:
        return None
    if mode == "int":
        return (shape[0], config.get("output_sequence_length"))
    if config.get("split") is None:
        inner = (*shape, 1) if len(shape) <= 1 else shape
    else:
        inner = (*shape, None)
    return lk.output_shape({**config, "output_mode": mode}, inner)


def _lookup_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "max_tokens": config.get("max_tokens"),
        "vocabulary": config.get("vocabulary"),
        "idf_weights": config.get("idf_weights"),
        "pad_to_max_tokens": config.get("pad_to_max_tokens", False),
        "mask_token": "",
        "output_mode": lk.mode_of(config.get("output_mode", "int")),
        "sparse": config.get("sparse", False),
        "encoding": config.get("encoding", "utf-8"),
        "vocabulary_size": config.get("vocabulary_size"),
    }


def sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    """The inner ``StringLookup`` Keras creates in ``__init__`` (``_lookup_layer``)."""
    return (
        SublayerSpec(
            "_lookup_layer", None, "StringLookup", "string_lookup", _lookup_config(config)
        ),
    )


def variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    """``save_own_variables`` saves the inner lookup's (``idf_weights`` for ``tf_idf``)."""
    return lk.variables(_lookup_config(config), input_shape)


def _ngrams(name: str, v: Any) -> str | None:
    if v is None or (c.is_int(v) and v >= 1):
        return None
    if isinstance(v, list) and v and all(c.is_int(n) and n >= 1 for n in v):
        return None
    return f"{name} must be null, an integer ≥ 1 or an array of them, got {v!r}"


def _function_or(*modes: str) -> c.Check:
    shown = ", ".join(f"`{m}`" for m in modes)

    def fn(name: str, v: Any) -> str | None:
        if v is None or v in modes or isinstance(v, dict):
            return None
        return f"{name} must be one of {', '.join(map(repr, modes))}, null or a function, got {v!r}"

    return c.Check(fn, f"one of {shown}, `null`, or a serialized function (refused by the runtime)")


TEXT_VECTORIZATION = LayerDef(
    class_name="TextVectorization",
    source="keras/src/layers/preprocessing/text_vectorization.py",
    fields={
        "max_tokens": f(c.Check(lk._max_tokens, "int>1 or `null`")),
        "standardize": f(_function_or(*_STANDARDIZE), "lower_and_strip_punctuation"),
        "split": f(_function_or(*_SPLIT), "whitespace"),
        "ngrams": f(c.Check(_ngrams, "int≥1, array of int≥1, or `null`")),
        "output_mode": f(
            c.enum("int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf"),
            "int",
            convert=lk.mode_of,
            note="`binary` is read as `multi_hot`, `tf-idf` as `tf_idf`",
        ),
        "output_sequence_length": f(c.opt(c.NONNEG_INT), note="`int` mode only"),
        "pad_to_max_tokens": f(c.BOOL, False),
        "sparse": f(c.BOOL, False, note="`true` needs TensorFlow's sparse tensors"),
        "ragged": f(c.BOOL, False, note="`true` needs the TensorFlow backend"),
        "vocabulary": f(lk._TOKEN_LIST, note="`null`: the vocabulary asset (§2.7)"),
        "idf_weights": f(lk._WEIGHTS, note="`tf_idf` only"),
        "encoding": f(c.STR, "utf-8"),
        "vocabulary_size": f(c.opt(c.NONNEG_INT), note="recorded by Keras"),
    },
    call=call,
    tf_call=tf_call,
    variables=variables,
    sublayers=sublayers,
    output_shape=output_shape,
    config_base=("name", "trainable", "dtype"),
    autocast=False,
    get_config=get_config,
    assets=lk.assets,
    summary="standardizes, splits and n-grams strings, then looks the tokens up",
    variables_doc="as its inner StringLookup (`_lookup_layer`, §6.7)",
)

DEFINITIONS = (TEXT_VECTORIZATION,)
