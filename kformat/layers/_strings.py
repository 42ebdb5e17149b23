"""String tensors in NumPy as TensorFlow's string ops see them, for the text layers.

TensorFlow's ``tf.string`` is a byte string: NumPy ``str`` inputs become their
UTF-8 bytes (``tf.convert_to_tensor``), ``bytes`` stay as they are. Everything
here works on object arrays of ``bytes`` and reproduces the TensorFlow kernels
the Keras text layers call (``keras/src/layers/preprocessing/
text_vectorization.py`` ``_preprocess``):

* ``tf.strings.lower(x)`` with its default ``encoding=""`` lower-cases ASCII
  letters only (``É`` and ``ß`` stay as they are);
* the punctuation class ``[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~']`` is
  exactly ``string.punctuation``: 32 ASCII bytes, which never occur inside a
  multi-byte UTF-8 sequence, so removing them byte-wise is what RE2 does;
* ``tf.strings.split(x)`` (no separator) splits on ASCII whitespace
  (`` \\t\\n\\v\\f\\r``) and drops empty pieces, which is ``bytes.split()``;
* ``tf.strings.unicode_split(x, "UTF-8")`` gives one piece per code point;
* ``tf.strings.ngrams(x, widths, separator=" ")`` lists, per row, the n-grams
  of each width in turn (no padding; a width longer than the row adds none).

Ragged results are Python lists of rows.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from kformat.layers._string_rows import to_bytes_list

__all__ = [
    "as_bytes",
    "lower_ascii",
    "ngrams",
    "split_characters",
    "split_whitespace",
    "strip_punctuation",
]

_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_PUNCTUATION = string.punctuation.encode()


def as_bytes(values: Any) -> np.ndarray[Any, Any]:
    """An object array of ``bytes`` from a ``str``/``bytes``/object array or nested lists
    (``str`` encoded as UTF-8, as ``tf.convert_to_tensor`` encodes it)."""
    x = np.asarray(values)
    if x.dtype.kind not in "USO":
        raise TypeError(f"expected string inputs, got an array of {x.dtype}")
    out = np.empty(x.shape, dtype=object)
    out.reshape(-1)[:] = to_bytes_list(x)
    return out


def _map(fn: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out = np.empty(x.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(x.reshape(-1).tolist()):
        flat[i] = fn(v)
    return out


def lower_ascii(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``tf.strings.lower(x)`` (ASCII letters only)."""
    return _map(lambda b: b.translate(_LOWER), x)


def strip_punctuation(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``tf.strings.regex_replace(x, <ASCII punctuation class>, "")``."""
    return _map(lambda b: b.translate(None, _PUNCTUATION), x)


def split_whitespace(x: np.ndarray[Any, Any]) -> list[list[bytes]]:
    """``tf.strings.split(x)`` of a rank-1 array: one list of pieces per row."""
    return [b.split() for b in x.tolist()]


def split_characters(x: np.ndarray[Any, Any]) -> list[list[bytes]]:
    """``tf.strings.unicode_split(x, "UTF-8")`` of a rank-1 array (invalid bytes
    become U+FFFD, TensorFlow's default ``errors="replace"``)."""
    return [[ch.encode("utf-8") for ch in b.decode("utf-8", "replace")] for b in x.tolist()]


def ngrams(rows: list[list[bytes]], widths: Sequence[int]) -> list[list[bytes]]:
    """``tf.strings.ngrams(rows, ngram_width=widths, separator=" ")``."""
    out = []
    for row in rows:
        grams: list[bytes] = []
        for n in widths:
            grams.extend(b" ".join(row[i : i + n]) for i in range(len(row) - n + 1))
        out.append(grams)
    return out
