"""SipHash-2-4 (kformat.layers._siphash) against the reference vector and TensorFlow."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kformat.layers._siphash import siphash24, siphash24_array

# The SipHash paper's appendix: key 00..0f, message 00..0e.
_PAPER_KEY = (
    int.from_bytes(bytes(range(8)), "little"),
    int.from_bytes(bytes(range(8, 16)), "little"),
)


def test_paper_vector() -> None:
    assert siphash24(bytes(range(15)), _PAPER_KEY) == 0xA129CA6149BE45E5


def test_tensorflow_documented_vectors() -> None:
    # string_to_hash_bucket_op_test.py: StrongKeyedHash([98765, 132], ...)
    got = siphash24_array(np.array(["a", "b", "c"]), [98765, 132])
    assert got.tolist() == [7157389809176466784, 15805638358933211562, 18100027895074076528]


def test_text_hashes_as_its_utf8_bytes() -> None:
    texts = ["", "é", "日本語テキスト", "😀" * 5, "plain ascii text, longer than a block"]
    got = siphash24_array(np.array(texts, dtype=object).reshape(5, 1), [1, 2])
    assert got.shape == (5, 1)
    assert got[:, 0].tolist() == [siphash24(t.encode(), [1, 2]) for t in texts]


def test_key_words_fit_64_bits() -> None:
    with pytest.raises(ValueError):
        siphash24(b"a", [2**64, 0])
    # TensorFlow reads a negative int64 key word as its uint64 bits.
    assert siphash24(b"a", [-1, 5]) == siphash24(b"a", [2**64 - 1, 5])


@pytest.mark.tensorflow
def test_matches_tensorflow_every_length() -> None:
    tf = pytest.importorskip("tensorflow")
    rng = random.Random(7)
    values = [bytes(rng.randrange(256) for _ in range(n)) for n in range(80) for _ in range(3)]
    values.append("日本語 é".encode())
    for key in ([98765, 132], [0, 0], [2**63 - 1, -5]):
        ours = siphash24_array(np.array(values, dtype=object), key)
        for modulus in (2**63 - 1, 2**61 - 1):  # coprime: both residues pin 64 bits
            theirs = tf.strings.to_hash_bucket_strong(tf.constant(values), modulus, key=key)
            assert np.array_equal(ours % np.uint64(modulus), theirs.numpy().astype(np.uint64))
