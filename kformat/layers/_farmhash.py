"""FarmHash ``Fingerprint64`` (``farmhashna::Hash64``) in NumPy, for the hashing layers.

TensorFlow hashes strings with ``Fingerprint64`` (tensorflow/core/platform/fingerprint.h,
which calls google/farmhash ``Fingerprint64`` = ``farmhashna::Hash64`` in src/farmhash.cc):
``tf.strings.to_hash_bucket_fast`` is ``Fingerprint64(s) % num_buckets`` and
``tf.sparse.cross_hashed`` combines per-feature ``Fingerprint64`` values with
:func:`fingerprint_cat64`. Keras 3 ``Hashing`` and ``HashedCrossing`` call those ops, so the
reference runtime reproduces them bit for bit here without TensorFlow.

The arithmetic runs on ``uint64`` arrays (wrapping modulo 2**64 like C++ ``uint64_t``) over
all strings at once: they are rows of one zero-padded byte matrix sorted by length
(:func:`kformat.layers._string_rows.sorted_rows`), so each of FarmHash's length branches is a
block of rows, an 8-byte read at a length-dependent position is a per-row gather, and the
64-byte loop of long strings runs over the rows that still have blocks left. Strings are
hashed as their UTF-8 bytes, as TensorFlow stores ``tf.string``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kformat.layers._string_rows import sorted_rows, string_array, to_bytes_list

__all__ = ["U64", "fingerprint64", "fingerprint64_array", "fingerprint_cat64", "to_bytes_list"]

U64 = NDArray[np.uint64]

_MASK = (1 << 64) - 1
# farmhash.cc "Some primes between 2^63 and 2^64 for various uses."
_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_SEED = 81


def _rot(v: U64, shift: int) -> U64:
    # farmhash BasicRotate64; every shift used by Hash64 is in 1..63.
    out: U64 = (v >> np.uint64(shift)) | (v << np.uint64(64 - shift))
    return out


def _shift_mix(v: U64) -> U64:
    out: U64 = v ^ (v >> np.uint64(47))
    return out


def _hash_len16(u: U64, v: U64, mul: np.uint64 | U64) -> U64:
    # farmhashna HashLen16(u, v, mul): "Murmur-inspired hashing"; the >64-byte tail passes
    # a per-string multiplier (an array) derived from the state.
    a = _shift_mix((u ^ v) * mul)
    b = _shift_mix((v ^ a) * mul)
    return b * mul


class _Rows:
    """A block of strings: rows of the padded byte matrix and their byte lengths.

    ``fixed`` is the one length of a block of equal-length strings (then every read
    position is shared and a read is a column slice), ``None`` for mixed lengths (reads at
    length-dependent positions gather per row).
    """

    def __init__(
        self, rows: NDArray[np.uint8], lengths: NDArray[np.int64], fixed: int | None
    ) -> None:
        self.rows = rows
        self.lengths = lengths
        self.fixed = fixed
        self.n = lengths.astype(np.uint64)
        # mul = k2 + len * 2, the multiplier of every branch up to 64 bytes
        self.mul: U64 = _K2 + self.n * np.uint64(2)

    def end(self, back: int) -> int | NDArray[np.int64]:
        """The position ``back`` bytes before the end of each string."""
        return self.fixed - back if self.fixed is not None else self.lengths - back

    def _gather(self, offset: int | NDArray[np.int64], width: int) -> NDArray[np.uint8]:
        if isinstance(offset, int):
            return np.ascontiguousarray(self.rows[:, offset : offset + width])
        stride = self.rows.shape[1]
        base = np.arange(len(offset), dtype=np.int64) * stride + offset
        picked: NDArray[np.uint8] = self.rows.reshape(-1)[base[:, np.newaxis] + np.arange(width)]
        return picked

    def fetch64(self, offset: int | NDArray[np.int64]) -> U64:
        """Little-endian ``Fetch64(s + offset)`` of every row (``offset`` per row or shared)."""
        out: U64 = self._gather(offset, 8).view("<u8")[:, 0].astype(np.uint64)
        return out

    def fetch32(self, offset: int | NDArray[np.int64]) -> U64:
        out: U64 = self._gather(offset, 4).view("<u4")[:, 0].astype(np.uint64)
        return out

    def byte(self, offset: int | NDArray[np.int64]) -> U64:
        out: U64 = self._gather(offset, 1)[:, 0].astype(np.uint64)
        return out


def _len1to3(s: _Rows) -> U64:
    a = s.byte(0)
    b = s.byte(s.fixed >> 1 if s.fixed is not None else s.lengths >> 1)
    c = s.byte(s.end(1))
    # y and z are uint32 in C++; both stay far below 2**32 here, so no wrap is lost.
    y = a + (b << np.uint64(8))
    z = s.n + (c << np.uint64(2))
    out: U64 = _shift_mix(y * _K2 ^ z * _K0) * _K2
    return out


def _len4to7(s: _Rows) -> U64:
    a = s.fetch32(0)
    return _hash_len16(s.n + (a << np.uint64(3)), s.fetch32(s.end(4)), s.mul)


def _len8to16(s: _Rows) -> U64:
    a = s.fetch64(0) + _K2
    b = s.fetch64(s.end(8))
    c = _rot(b, 37) * s.mul + a
    d = (_rot(a, 25) + b) * s.mul
    return _hash_len16(c, d, s.mul)


def _len17to32(s: _Rows) -> U64:
    mul = s.mul
    a = s.fetch64(0) * _K1
    b = s.fetch64(8)
    c = s.fetch64(s.end(8)) * mul
    d = s.fetch64(s.end(16)) * _K2
    return _hash_len16(_rot(a + b, 43) + _rot(c, 30) + d, a + _rot(b + _K2, 18) + c, mul)


def _len33to64(s: _Rows) -> U64:
    mul = s.mul
    a = s.fetch64(0) * _K2
    b = s.fetch64(8)
    c = s.fetch64(s.end(8)) * mul
    d = s.fetch64(s.end(16)) * _K2
    y = _rot(a + b, 43) + _rot(c, 30) + d
    z = _hash_len16(y, a + _rot(b + _K2, 18) + c, mul)
    e = s.fetch64(16) * mul
    f = s.fetch64(24)
    g = (y + s.fetch64(s.end(32))) * mul
    h = (z + s.fetch64(s.end(24))) * mul
    return _hash_len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g, mul)


def _weak32(s: _Rows, offset: int | NDArray[np.int64], a: U64, b: U64) -> tuple[U64, U64]:
    # WeakHashLen32WithSeeds(s + offset, a, b).
    w, x, y, z = (s.fetch64(offset + 8 * i) for i in range(4))
    a = a + w
    b = _rot(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rot(a, 44)
    return a + z, b + c


def _len65plus(s: _Rows) -> U64:
    count = len(s.lengths)
    k1 = _K1
    x = np.full(count, _SEED, dtype=np.uint64)
    y = np.full(count, (_SEED * int(_K1) + 113) & _MASK, dtype=np.uint64)
    z = _shift_mix(y * _K2 + np.uint64(113)) * _K2
    v0, v1, w0, w1 = (np.zeros(count, dtype=np.uint64) for _ in range(4))
    x = x * _K2 + s.fetch64(0)
    # 64-byte blocks until 1..64 bytes remain: (len - 1) // 64 of them. Rows are sorted by
    # length, so the rows with block `i` left are a suffix; the others keep their state.
    loops = (s.lengths - 1) // 64
    for i in range(int(loops[-1])):
        first = int(np.searchsorted(loops, i, side="right"))
        t = _Rows(s.rows[first:], s.lengths[first:], s.fixed)
        pos = 64 * i
        xs, ys, zs = x[first:], y[first:], z[first:]
        v0s, v1s, w0s, w1s = v0[first:], v1[first:], w0[first:], w1[first:]
        xs = _rot(xs + ys + v0s + t.fetch64(pos + 8), 37) * k1
        ys = _rot(ys + v1s + t.fetch64(pos + 48), 42) * k1
        xs = xs ^ w1s
        ys = ys + v0s + t.fetch64(pos + 40)
        zs = _rot(zs + w0s, 33) * k1
        nv0, nv1 = _weak32(t, pos, v1s * k1, xs + w0s)
        nw0, nw1 = _weak32(t, pos + 32, zs + w1s, ys + t.fetch64(pos + 16))
        # std::swap(z, x)
        x[first:], z[first:], y[first:] = zs, xs, ys
        v0[first:], v1[first:], w0[first:], w1[first:] = nv0, nv1, nw0, nw1
    last = s.end(64)  # the last 64 bytes
    mul = k1 + ((z & np.uint64(0xFF)) << np.uint64(1))
    w0 = w0 + ((s.n - np.uint64(1)) & np.uint64(63))
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rot(x + y + v0 + s.fetch64(last + 8), 37) * mul
    y = _rot(y + v1 + s.fetch64(last + 48), 42) * mul
    x = x ^ (w1 * np.uint64(9))
    y = y + v0 * np.uint64(9) + s.fetch64(last + 40)
    z = _rot(z + w0, 33) * mul
    v0, v1 = _weak32(s, last, v1 * mul, x + w0)
    w0, w1 = _weak32(s, last + 32, z + w1, y + s.fetch64(last + 16))
    z, x = x, z
    return _hash_len16(
        _hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
        _hash_len16(v1, w1, mul) + x,
        mul,
    )


def _branch(length: int) -> Any:
    # farmhashna::Hash64's length branches
    if length <= 3:
        return _len1to3
    if length <= 7:
        return _len4to7
    if length <= 16:
        return _len8to16
    if length <= 32:
        return _len17to32
    return _len33to64 if length <= 64 else _len65plus


def _hash_sorted(rows: NDArray[np.uint8], lengths: NDArray[np.int64]) -> U64:
    """Hashes of length-sorted rows: one pass per distinct length up to 64 bytes (reads
    are column slices; there are at most 64 such lengths), one pass for all longer ones."""
    out = np.full(len(lengths), _K2, dtype=np.uint64)  # the empty string hashes to k2
    long_from = int(np.searchsorted(lengths, 65, side="left"))
    bounds = [0, *(np.flatnonzero(np.diff(lengths[:long_from])) + 1).tolist(), long_from]
    for start, stop in itertools.pairwise(bounds):
        length = int(lengths[start]) if stop > start else 0
        if length:
            out[start:stop] = _branch(length)(_Rows(rows[start:stop], lengths[start:stop], length))
    if long_from < len(lengths):
        out[long_from:] = _len65plus(_Rows(rows[long_from:], lengths[long_from:], None))
    return out


def fingerprint64_array(values: Any) -> U64:
    """``Fingerprint64`` of every element of a str/bytes/object array, same shape, ``uint64``."""
    arr = string_array(values)
    rows, lengths, order = sorted_rows(arr)
    out = np.empty(len(lengths), dtype=np.uint64)
    out[order] = _hash_sorted(rows, lengths)
    return out.reshape(arr.shape)


def fingerprint64(data: bytes) -> int:
    """``Fingerprint64(data)`` (farmhashna ``Hash64``) as a Python int in ``[0, 2**64)``.

    For many strings use :func:`fingerprint64_array`: one call costs tens of microseconds
    of NumPy overhead, the array function a fraction of a microsecond per string.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"fingerprint64 hashes bytes, got {type(data).__name__}")
    raw = bytes(data)
    rows = np.zeros((1, 8 * (len(raw) // 8 + 1)), dtype=np.uint8)
    rows[0, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return int(_hash_sorted(rows, np.array([len(raw)], dtype=np.int64))[0])


def fingerprint_cat64(fp1: U64, fp2: U64) -> U64:
    """``FingerprintCat64`` (tensorflow/core/platform/fingerprint.h): combine two fingerprints.

    Arrays of ``uint64`` in, broadcast elementwise; ``tf.sparse.cross_hashed`` folds the
    features of a cross into its hash key with it.
    """
    k_mul = np.uint64(0xC6A4A7935BD1E995)
    result = np.asarray(fp1, dtype=np.uint64) ^ k_mul
    result = result ^ (_shift_mix(np.asarray(fp2, dtype=np.uint64) * k_mul) * k_mul)
    result = result * k_mul
    result = _shift_mix(result) * k_mul
    return _shift_mix(result)
