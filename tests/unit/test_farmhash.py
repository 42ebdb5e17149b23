"""FarmHash Fingerprint64 (kformat.layers._farmhash) against known vectors and TensorFlow."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kformat.layers._farmhash import fingerprint64, fingerprint64_array, fingerprint_cat64

# TensorFlow's own string_to_hash_bucket_op_test.py documents these four; the rest were
# checked against tf.strings.to_hash_bucket_fast and cover every length branch.
KNOWN = {
    b"a": 12917804110809363939,
    b"b": 11795596070477164822,
    b"c": 11430444447143000872,
    b"d": 4470636696479570465,
    b"": 0x9AE16A3B2F90404F,
    b"abc": 0x24A5B3A074E7F369,
    b"abcd": 0x1A5502DE4A1F8101,
    b"hello": 0xB48BE5A931380CE8,
    b"abcdefgh": 0xFEE9D22990C82909,
    b"0123456789abcdef": 0x54B961E5DC834067,
    bytes(range(17)): 0xBBB6A6F8F20D1F1C,
    bytes(range(32)): 0x1A9D8199972CDF49,
    bytes(range(33)): 0xE8756EC1CB75524E,
    bytes(range(64)): 0xF58504BB53DECC4B,
    bytes(range(65)): 0xC6A3282C3E793DBE,
    bytes(range(128)): 0x1C484C95F0EA5DD3,
    bytes(range(200)): 0x074C7FCC26D66FB3,
    "héllo wörld".encode(): 0x7CED6D0A96714893,
}


@pytest.mark.parametrize("data", list(KNOWN), ids=lambda d: f"len{len(d)}")
def test_known_vectors(data: bytes) -> None:
    assert fingerprint64(data) == KNOWN[data]


def test_array_matches_scalar_any_shape_and_kind() -> None:
    keys = list(KNOWN)
    expected = np.array([KNOWN[k] for k in keys], dtype=np.uint64)
    as_bytes = np.array(keys, dtype=object)
    assert np.array_equal(fingerprint64_array(as_bytes), expected)
    # str elements hash as their UTF-8 bytes; fixed-width numpy dtypes too.
    texts = ["a", "héllo wörld", "abc"]
    want = np.array([KNOWN[t.encode()] for t in texts], dtype=np.uint64)
    assert np.array_equal(fingerprint64_array(np.array(texts)), want)
    assert np.array_equal(fingerprint64_array(np.array([b"a", b"abc"])), want[[0, 2]])
    grid = np.array(keys[:6], dtype=object).reshape(2, 3)
    got = fingerprint64_array(grid)
    assert got.shape == (2, 3) and got.dtype == np.uint64
    assert np.array_equal(got.ravel(), expected[:6])
    assert fingerprint64_array(np.array([], dtype=object).reshape(0, 2)).shape == (0, 2)


def test_text_hashes_as_its_utf8_bytes() -> None:
    # 1- to 4-byte UTF-8 characters, NULs (also trailing) and lengths across every branch;
    # text is encoded in one piece, so the per-item byte lengths must come out right.
    rng = random.Random(3)
    alphabet = "aZ é ß 日 本 😀 \x00"
    texts = ["".join(rng.choice(alphabet) for _ in range(n)) for n in range(0, 90)] + ["a\x00"]
    encoded = [t.encode() for t in texts]
    want = np.array([fingerprint64(b) for b in encoded], dtype=np.uint64)
    assert np.array_equal(fingerprint64_array(np.array(texts, dtype=object)), want)
    assert np.array_equal(fingerprint64_array(np.array(encoded, dtype=object)), want)
    mixed = np.array([texts[5], encoded[7], texts[60]], dtype=object)  # str and bytes
    assert np.array_equal(fingerprint64_array(mixed), want[[5, 7, 60]])


def test_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        fingerprint64_array(np.array([1, 2]))
    with pytest.raises(TypeError):
        fingerprint64_array(np.array(["a", 3], dtype=object))
    with pytest.raises(TypeError):
        fingerprint64("a")  # type: ignore[arg-type]


def _random_strings() -> list[bytes]:
    rng = random.Random(20261207)
    out = [bytes(rng.randrange(256) for _ in range(n)) for n in range(201) for _ in range(6)]
    alphabet = "aé日😀\x00 Z"
    out += ["".join(rng.choice(alphabet) for _ in range(n)).encode() for n in range(0, 90, 3)]
    return out


@pytest.mark.tensorflow
def test_matches_tensorflow_every_length() -> None:
    tf = pytest.importorskip("tensorflow")
    values = _random_strings()
    ours = fingerprint64_array(np.array(values, dtype=object))
    # Buckets are Fingerprint64 % num_buckets; two coprime moduli whose product exceeds
    # 2**64 pin the whole 64-bit value (Chinese remainder theorem).
    for modulus in (2**63 - 1, 2**61 - 1):
        theirs = tf.strings.to_hash_bucket_fast(tf.constant(values), modulus).numpy()
        assert np.array_equal(ours % np.uint64(modulus), theirs.astype(np.uint64))


@pytest.mark.tensorflow
def test_fingerprint_cat64_matches_sparse_cross_hashed() -> None:
    tf = pytest.importorskip("tensorflow")
    left, right = [b"x", b"longer feature value"], [b"", b"y" * 70]
    ours = fingerprint_cat64(
        fingerprint_cat64(np.uint64(0xDECAFCAFFE), fingerprint64_array(np.array(left))),
        fingerprint64_array(np.array(right, dtype=object)),
    )
    for modulus in (2**63 - 1, 2**61 - 1):
        crossed = tf.sparse.cross_hashed(
            [tf.constant([[v] for v in left]), tf.constant([[v] for v in right])],
            num_buckets=modulus,
        )
        theirs = tf.sparse.to_dense(crossed).numpy()[:, 0]
        assert np.array_equal(ours % np.uint64(modulus), theirs.astype(np.uint64))
