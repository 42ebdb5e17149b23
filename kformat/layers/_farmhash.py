"""FarmHash ``Fingerprint64`` (``farmhashna::Hash64``) in NumPy, for the hashing layers.

TensorFlow hashes strings with ``Fingerprint64`` (tensorflow/core/platform/fingerprint.h,
which calls google/farmhash ``Fingerprint64`` = ``farmhashna::Hash64`` in src/farmhash.cc):
``tf.strings.to_hash_bucket_fast`` is ``Fingerprint64(s) % num_buckets`` and
``tf.sparse.cross_hashed`` combines per-feature ``Fingerprint64`` values with
:func:`fingerprint_cat64`. Keras 3 ``Hashing`` and ``HashedCrossing`` call those ops, so the
reference runtime reproduces them bit for bit here without TensorFlow.

The arithmetic runs on ``uint64`` arrays (wrapping modulo 2**64 like C++ ``uint64_t``), one
vectorized pass per distinct byte length: every FarmHash read position depends only on the
length, so the strings of one length form a ``(n, length)`` byte matrix whose 8-byte words
are columns. Strings are hashed as their UTF-8 bytes, as TensorFlow stores ``tf.string``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "fingerprint64",
    "fingerprint64_array",
    "fingerprint_cat64",
    "hash_by_length",
    "to_bytes_list",
]

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


class _Bytes:
    """``n`` strings of one byte length as a ``(n, length)`` matrix; little-endian fetches."""

    def __init__(self, rows: NDArray[np.uint8]) -> None:
        self.rows = rows
        self.length = rows.shape[1]

    def fetch64(self, offset: int) -> U64:
        word = np.ascontiguousarray(self.rows[:, offset : offset + 8]).view("<u8")
        return word[:, 0].astype(np.uint64)

    def fetch32(self, offset: int) -> U64:
        word = np.ascontiguousarray(self.rows[:, offset : offset + 4]).view("<u4")
        return word[:, 0].astype(np.uint64)


def _mul_for(length: int) -> np.uint64:
    mul: np.uint64 = np.uint64((int(_K2) + 2 * length) & _MASK)
    return mul


def _len0to16(s: _Bytes) -> U64:
    n = s.length
    count = s.rows.shape[0]
    if n >= 8:
        mul = _mul_for(n)
        a = s.fetch64(0) + _K2
        b = s.fetch64(n - 8)
        c = _rot(b, 37) * mul + a
        d = (_rot(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _mul_for(n)
        a = s.fetch32(0)
        return _hash_len16(np.uint64(n) + (a << np.uint64(3)), s.fetch32(n - 4), mul)
    if n > 0:
        a = s.rows[:, 0].astype(np.uint64)
        b = s.rows[:, n >> 1].astype(np.uint64)
        c = s.rows[:, n - 1].astype(np.uint64)
        # y and z are uint32 in C++; both stay far below 2**32 here, so no wrap is lost.
        y = a + (b << np.uint64(8))
        z = np.uint64(n) + (c << np.uint64(2))
        out: U64 = _shift_mix(y * _K2 ^ z * _K0) * _K2
        return out
    return np.full(count, _K2, dtype=np.uint64)


def _len17to32(s: _Bytes) -> U64:
    n = s.length
    mul = _mul_for(n)
    a = s.fetch64(0) * _K1
    b = s.fetch64(8)
    c = s.fetch64(n - 8) * mul
    d = s.fetch64(n - 16) * _K2
    return _hash_len16(_rot(a + b, 43) + _rot(c, 30) + d, a + _rot(b + _K2, 18) + c, mul)


def _len33to64(s: _Bytes) -> U64:
    n = s.length
    mul = _mul_for(n)
    a = s.fetch64(0) * _K2
    b = s.fetch64(8)
    c = s.fetch64(n - 8) * mul
    d = s.fetch64(n - 16) * _K2
    y = _rot(a + b, 43) + _rot(c, 30) + d
    z = _hash_len16(y, a + _rot(b + _K2, 18) + c, mul)
    e = s.fetch64(16) * mul
    f = s.fetch64(24)
    g = (y + s.fetch64(n - 32)) * mul
    h = (z + s.fetch64(n - 24)) * mul
    return _hash_len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g, mul)


def _weak32(s: _Bytes, offset: int, a: U64, b: U64) -> tuple[U64, U64]:
    # WeakHashLen32WithSeeds(s + offset, a, b).
    w, x, y, z = (s.fetch64(offset + 8 * i) for i in range(4))
    a = a + w
    b = _rot(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rot(a, 44)
    return a + z, b + c


def _len65plus(s: _Bytes) -> U64:
    n = s.length
    count = s.rows.shape[0]
    k1 = _K1
    x = np.full(count, _SEED, dtype=np.uint64)
    y = np.full(count, (_SEED * int(_K1) + 113) & _MASK, dtype=np.uint64)
    z = _shift_mix(y * _K2 + np.uint64(113)) * _K2
    v0 = v1 = w0 = w1 = np.zeros(count, dtype=np.uint64)
    x = x * _K2 + s.fetch64(0)
    # The loop covers 64-byte blocks until 1..64 bytes remain, then the last 64 bytes.
    for pos in range(0, ((n - 1) // 64) * 64, 64):
        x = _rot(x + y + v0 + s.fetch64(pos + 8), 37) * k1
        y = _rot(y + v1 + s.fetch64(pos + 48), 42) * k1
        x = x ^ w1
        y = y + v0 + s.fetch64(pos + 40)
        z = _rot(z + w0, 33) * k1
        v0, v1 = _weak32(s, pos, v1 * k1, x + w0)
        w0, w1 = _weak32(s, pos + 32, z + w1, y + s.fetch64(pos + 16))
        z, x = x, z
    last = n - 64
    mul = k1 + ((z & np.uint64(0xFF)) << np.uint64(1))  # per string: an array here
    w0 = w0 + np.uint64((n - 1) & 63)
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


def _hash_rows(rows: NDArray[np.uint8]) -> U64:
    s = _Bytes(rows)
    if s.length <= 16:
        return _len0to16(s)
    if s.length <= 32:
        return _len17to32(s)
    if s.length <= 64:
        return _len33to64(s)
    return _len65plus(s)


def to_bytes_list(values: Any) -> list[bytes]:
    """The elements of a str/bytes/object array (or sequence), flattened, as bytes.

    ``str`` is encoded as UTF-8 (how ``tf.string`` holds text); anything other than
    ``str``/``bytes`` is a :class:`TypeError`, since TensorFlow's string ops take no numbers.
    """
    flat = np.asarray(values, dtype=object).reshape(-1).tolist()
    out: list[bytes] = []
    for item in flat:
        if isinstance(item, bytes):
            out.append(item)
        elif isinstance(item, str):
            out.append(item.encode("utf-8"))
        elif isinstance(item, np.bytes_ | np.str_):
            out.append(item.encode("utf-8") if isinstance(item, str) else bytes(item))
        else:
            raise TypeError(f"fingerprint64 hashes str or bytes, got {type(item).__name__}")
    return out


def hash_by_length(values: Any, hash_rows: Callable[[NDArray[np.uint8]], U64]) -> U64:
    """Apply ``hash_rows`` to the strings of ``values`` grouped by byte length.

    ``hash_rows`` gets a ``(n, length)`` ``uint8`` matrix and returns ``n`` hashes; the
    result has the shape of ``values``. Shared with the SipHash module.
    """
    arr = np.asarray(values)
    if arr.dtype.kind not in "USO":
        raise TypeError(f"string hashing needs a str, bytes or object array, got {arr.dtype}")
    items = to_bytes_list(arr)
    out = np.empty(len(items), dtype=np.uint64)
    if not items:
        return out.reshape(arr.shape)
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    buffer = np.frombuffer(b"".join(items), dtype=np.uint8)
    starts = np.zeros(len(items), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    order = np.argsort(lengths, kind="stable")
    bounds = np.flatnonzero(np.diff(lengths[order])) + 1
    for group in np.split(order, bounds):
        length = int(lengths[group[0]])
        index = starts[group][:, np.newaxis] + np.arange(length, dtype=np.int64)
        out[group] = hash_rows(buffer[index])
    return out.reshape(arr.shape)


def fingerprint64_array(values: Any) -> U64:
    """``Fingerprint64`` of every element of a str/bytes/object array, same shape, ``uint64``."""
    return hash_by_length(values, _hash_rows)


def fingerprint64(data: bytes) -> int:
    """``Fingerprint64(data)`` (farmhashna ``Hash64``) as a Python int in ``[0, 2**64)``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"fingerprint64 hashes bytes, got {type(data).__name__}")
    row = np.frombuffer(bytes(data), dtype=np.uint8)[np.newaxis, :]
    return int(_hash_rows(row)[0])


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
