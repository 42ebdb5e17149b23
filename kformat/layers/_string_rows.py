"""Strings as bytes, as TensorFlow string ops see them: ``tf.string`` bytes from NumPy arrays.

TensorFlow holds text as UTF-8 bytes, so a ``str`` element hashes as its UTF-8 encoding and a
``bytes`` element as itself. :func:`sorted_rows` lays many strings out for vectorized
hashing: one zero-padded byte matrix, rows sorted by length, so that the strings a step of a
hash applies to form a contiguous block of rows.

NumPy's fixed-width ``str``/``bytes`` arrays cannot hold trailing NUL characters (NumPy strips
them); object arrays hold any ``str`` or ``bytes`` exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["concatenated", "sorted_rows", "string_array", "to_bytes_list"]


def string_array(values: Any) -> NDArray[Any]:
    """``values`` as a str/bytes/object array; numbers are a :class:`TypeError`."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "USO":
        raise TypeError(f"string hashing needs a str, bytes or object array, got {arr.dtype}")
    return arr


def to_bytes_list(values: Any) -> list[bytes]:
    """The elements of a str/bytes/object array (or sequence), flattened, as bytes.

    ``str`` is encoded as UTF-8 (how ``tf.string`` holds text); anything other than
    ``str``/``bytes`` is a :class:`TypeError`, since TensorFlow's string ops take no numbers.
    """
    return _encode_items(np.asarray(values).reshape(-1).tolist())


def _encode_items(flat: list[Any]) -> list[bytes]:
    try:  # the common case, text only: one comprehension, no per-item type dispatch
        return [item.encode("utf-8") for item in flat]
    except AttributeError:
        pass
    out: list[bytes] = []
    for item in flat:
        if isinstance(item, bytes):
            out.append(item)
        elif isinstance(item, str):
            out.append(item.encode("utf-8"))
        else:
            raise TypeError(f"TensorFlow string ops take str or bytes, got {type(item).__name__}")
    return out


def concatenated(flat: list[Any]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """All strings' UTF-8 bytes end to end, and each one's byte length.

    Text is joined and encoded once (encoding item by item dominates the cost otherwise);
    the byte length of each item follows from its code points' UTF-8 widths.
    """
    count = len(flat)
    try:
        joined = "".join(flat)
        data = joined.encode("utf-8")
    except (TypeError, UnicodeEncodeError):  # bytes among the items, or lone surrogates
        items = _encode_items(flat)
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=count)
        return np.frombuffer(b"".join(items), dtype=np.uint8), lengths
    chars = np.fromiter(map(len, flat), dtype=np.int64, count=count)
    if len(data) == len(joined):  # ASCII: one byte per character
        return np.frombuffer(data, dtype=np.uint8), chars
    points = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    ends = np.cumsum(chars)
    return np.frombuffer(data, dtype=np.uint8), offsets[ends] - offsets[ends - chars]


def sorted_rows(
    arr: NDArray[Any],
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.intp]]:
    """The strings of ``arr`` (flattened) as rows of a zero-padded byte matrix.

    Returns ``(rows, lengths, order)``: row ``i`` holds element ``order[i]`` and its
    ``lengths[i]`` bytes, rows sorted by length (shortest first, stable). The matrix is
    ``8 * (max_length // 8 + 1)`` bytes wide, so every string has a whole 8-byte word past
    its last full one.
    """
    buffer, lengths = concatenated(arr.reshape(-1).tolist())
    count = len(lengths)
    longest = int(lengths.max()) if count else 0
    # A stable sort of small integers is a radix sort in NumPy: linear, not n log n.
    keys = lengths.astype(np.uint16) if longest < 2**16 else lengths
    order = np.argsort(keys, kind="stable")
    sorted_lengths = lengths[order]
    width = 8 * (longest // 8 + 1)
    rows = np.zeros((count, width), dtype=np.uint8)
    # Byte j of element i goes to flat position rank[i] * width + j.
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    shift = np.repeat(rank * width - starts, lengths)
    rows.reshape(-1)[shift + np.arange(len(buffer), dtype=np.int64)] = buffer
    return rows, sorted_lengths, order
