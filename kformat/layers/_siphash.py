"""SipHash-2-4 in NumPy: TensorFlow's ``StrongKeyedHash``, used by ``Hashing(salt=...)``.

``tf.strings.to_hash_bucket_strong(s, num_buckets, key)`` is
``StrongKeyedHash(key, s) % num_buckets`` (tensorflow/core/platform/strong_hash.h), which is
google/highwayhash ``SipHash`` (highwayhash/sip_hash.h): SipHash-2-4 with the 128-bit key
``key[0], key[1]`` and a 64-bit result (Aumasson and Bernstein, "SipHash: a fast
short-input PRF", 2012). All strings are hashed together, one
vectorized step per 8-byte word.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from kformat.layers._farmhash import U64
from kformat.layers._string_rows import sorted_rows, string_array

__all__ = ["siphash24", "siphash24_array"]

_MASK = (1 << 64) - 1


def _rotl(v: U64, shift: int) -> U64:
    out: U64 = (v << np.uint64(shift)) | (v >> np.uint64(64 - shift))
    return out


def _rounds(v: list[U64], count: int) -> None:
    """``count`` SipRounds on the four state words, in place."""
    v0, v1, v2, v3 = v
    for _ in range(count):
        v0 = v0 + v1
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = v2 + v3
        v3 = _rotl(v3, 16) ^ v2
        v0 = v0 + v3
        v3 = _rotl(v3, 21) ^ v0
        v2 = v2 + v1
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    v[:] = [v0, v1, v2, v3]


def _key_words(key: Any) -> tuple[int, int]:
    k0, k1 = (int(k) for k in key)
    for k in (k0, k1):
        # TensorFlow takes the key as an int64 list attribute and reads it as uint64.
        if not -(2**63) <= k < 2**64:
            raise ValueError(f"a SipHash key word must fit 64 bits, got {k}")
    return k0 & _MASK, k1 & _MASK


def _hash_sorted(rows: NDArray[np.uint8], lengths: NDArray[np.int64], k0: int, k1: int) -> U64:
    """SipHash-2-4 of length-sorted, zero-padded rows (:func:`sorted_rows`).

    Each message is its whole little-endian words, then a final block: the remaining bytes
    with the length (mod 256) in the top byte. Rows are sorted by length, so the rows
    still compressing at word ``i`` are a suffix: each word is one step over that suffix.
    """
    count = len(lengths)
    blocks = lengths // 8 + 1
    rows[np.arange(count), 8 * (blocks - 1) + 7] = lengths & 0xFF
    words = rows.view("<u8").astype(np.uint64)

    def full(value: int) -> U64:
        return np.full(count, value, dtype=np.uint64)

    v = [
        full(k0 ^ 0x736F6D6570736575),
        full(k1 ^ 0x646F72616E646F6D),
        full(k0 ^ 0x6C7967656E657261),
        full(k1 ^ 0x7465646279746573),
    ]
    for i in range(int(blocks[-1])):
        first = int(np.searchsorted(blocks, i, side="right"))
        part = [x[first:] for x in v]
        m = words[first:, i]
        part[3] = part[3] ^ m
        _rounds(part, 2)
        part[0] = part[0] ^ m
        for x, y in zip(v, part, strict=True):
            x[first:] = y
    v[2] = v[2] ^ np.uint64(0xFF)
    _rounds(v, 4)
    out: U64 = v[0] ^ v[1] ^ v[2] ^ v[3]
    return out


def siphash24_array(values: Any, key: Any) -> U64:
    """SipHash-2-4 of every element (str as UTF-8, or bytes) with ``key = (k0, k1)``;
    ``uint64``, the shape of ``values``."""
    k0, k1 = _key_words(key)
    arr = string_array(values)
    rows, lengths, order = sorted_rows(arr)
    out = np.empty(len(lengths), dtype=np.uint64)
    if len(lengths):
        out[order] = _hash_sorted(rows, lengths, k0, k1)
    return out.reshape(arr.shape)


def siphash24(data: bytes, key: Any) -> int:
    """SipHash-2-4 of ``data`` with ``key = (k0, k1)``, as an int in ``[0, 2**64)``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"siphash24 hashes bytes, got {type(data).__name__}")
    return int(siphash24_array(np.array([bytes(data)], dtype=object), key)[0])
