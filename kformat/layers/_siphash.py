"""SipHash-2-4 in NumPy: TensorFlow's ``StrongKeyedHash``, used by ``Hashing(salt=...)``.

``tf.strings.to_hash_bucket_strong(s, num_buckets, key)`` is
``StrongKeyedHash(key, s) % num_buckets`` (tensorflow/core/platform/strong_hash.h), which is
google/highwayhash ``SipHash`` (highwayhash/sip_hash.h): SipHash-2-4 with the 128-bit key
``key[0], key[1]`` and a 64-bit result (Aumasson and Bernstein, "SipHash: a fast
short-input PRF", 2012). Strings of one byte length are hashed together, as in
:mod:`kformat.layers._farmhash`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from kformat.layers._farmhash import U64, hash_by_length

__all__ = ["siphash24", "siphash24_array"]

_MASK = (1 << 64) - 1


def _rotl(v: U64, shift: int) -> U64:
    out: U64 = (v << np.uint64(shift)) | (v >> np.uint64(64 - shift))
    return out


class _State:
    """The four SipHash words for ``n`` strings at once."""

    def __init__(self, k0: int, k1: int, count: int) -> None:
        def full(value: int) -> U64:
            return np.full(count, value & _MASK, dtype=np.uint64)

        self.v0 = full(k0 ^ 0x736F6D6570736575)
        self.v1 = full(k1 ^ 0x646F72616E646F6D)
        self.v2 = full(k0 ^ 0x6C7967656E657261)
        self.v3 = full(k1 ^ 0x7465646279746573)

    def rounds(self, count: int) -> None:
        v0, v1, v2, v3 = self.v0, self.v1, self.v2, self.v3
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
        self.v0, self.v1, self.v2, self.v3 = v0, v1, v2, v3

    def compress(self, m: U64) -> None:
        self.v3 = self.v3 ^ m
        self.rounds(2)
        self.v0 = self.v0 ^ m


def _key_words(key: Any) -> tuple[int, int]:
    k0, k1 = (int(k) for k in key)
    for k in (k0, k1):
        # TensorFlow takes the key as an int64 list attribute and reads it as uint64.
        if not -(2**63) <= k < 2**64:
            raise ValueError(f"a SipHash key word must fit 64 bits, got {k}")
    return k0 & _MASK, k1 & _MASK


def _hash_rows(rows: NDArray[np.uint8], k0: int, k1: int) -> U64:
    count, length = rows.shape
    state = _State(k0, k1, count)
    full_words = length // 8
    if full_words:
        words = np.ascontiguousarray(rows[:, : full_words * 8]).view("<u8").astype(np.uint64)
        for i in range(full_words):
            state.compress(words[:, i])
    # Last block: the remaining 0..7 bytes, little-endian, with the length in the top byte.
    tail = np.zeros((count, 8), dtype=np.uint8)
    tail[:, : length % 8] = rows[:, full_words * 8 :]
    tail[:, 7] = length & 0xFF
    state.compress(tail.view("<u8")[:, 0].astype(np.uint64))
    state.v2 = state.v2 ^ np.uint64(0xFF)
    state.rounds(4)
    out: U64 = state.v0 ^ state.v1 ^ state.v2 ^ state.v3
    return out


def siphash24_array(values: Any, key: Any) -> U64:
    """SipHash-2-4 of every element (str as UTF-8, or bytes) with ``key = (k0, k1)``."""
    k0, k1 = _key_words(key)
    return hash_by_length(values, lambda rows: _hash_rows(rows, k0, k1))


def siphash24(data: bytes, key: Any) -> int:
    """SipHash-2-4 of ``data`` with ``key = (k0, k1)``, as an int in ``[0, 2**64)``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"siphash24 hashes bytes, got {type(data).__name__}")
    k0, k1 = _key_words(key)
    row = np.frombuffer(bytes(data), dtype=np.uint8)[np.newaxis, :]
    return int(_hash_rows(row, k0, k1)[0])
