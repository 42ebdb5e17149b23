"""Models with StringLookup / IntegerLookup / TextVectorization, built by real Keras.

Keras 3 runs these layers only with TensorFlow installed, and string tensors
only with the TensorFlow backend, while the runtime tests import Keras with the
NumPy backend; so :mod:`text_oracle` builds, saves and predicts them in one
child process (``KERAS_BACKEND=tensorflow``). Each case is one functional
model whose parallel branches cover many options at once (few Keras starts).
This module imports neither Keras nor TensorFlow: builders receive ``keras``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CASES", "INPUTS", "build_sentiment"]

WORDS = np.array(
    [
        ["the", "cat", "Straße"],
        ["zebra", "[M]", "the"],
        ["héllo", "dog", "the"],
        ["", "unknown", "cat"],
    ]
)
NUMBERS = np.array([[1, 5, 9], [0, 12, 5], [7, 7, 3], [100, -4, 0]], dtype="int64")
TEXT = np.array(
    [
        "The cat sat on the mat.",
        "HÉLLO, Wörld! héllo world; ÉCOLE école",
        "a dog\tand\u00a0a cat\u2003and ... (the) end",
        "",
        "Straße STRASSE straße, the end!",
    ]
)
CORPUS = [
    "the cat sat on the mat",
    "the dog ate my homework",
    "héllo wörld, the end",
    "Straße! cat? dog.",
    "école ÉCOLE the cat",
]


def string_lookup(keras: Any) -> Any:
    x = keras.Input((3,), dtype="string")
    vocab = ["the", "cat", "dog", "héllo", "Straße"]
    # An adapted vocabulary holding "" would end its vocabulary.txt with an empty
    # line, which load_assets drops (Keras' own reload then differs).
    seen = WORDS[WORDS != ""]
    adapted = keras.layers.StringLookup(name="adapted")
    adapted.adapt(seen)
    tf_idf = keras.layers.StringLookup(output_mode="tf_idf", name="adapted_tf_idf")
    tf_idf.adapt(seen.reshape(-1, 1))
    outs = [
        keras.layers.StringLookup(vocabulary=vocab, name="plain")(x),
        keras.layers.StringLookup(vocabulary=vocab, mask_token="[M]", name="masked")(x),
        adapted(x),
        keras.layers.StringLookup(
            vocabulary=vocab, output_mode="multi_hot", max_tokens=9, pad_to_max_tokens=True
        )(x),
        keras.layers.StringLookup(vocabulary=["[UNK]", *vocab], output_mode="count")(x),
        keras.layers.StringLookup(vocabulary=vocab, output_mode="one_hot", mask_token="")(x),
        tf_idf(x),
        keras.layers.StringLookup(
            vocabulary=vocab, output_mode="tf_idf", idf_weights=[0.5, 1.0, 1.5, 2.0, 2.5]
        )(x),
    ]
    return keras.Model(x, outs)


def integer_lookup(keras: Any) -> Any:
    x = keras.Input((3,), dtype="int64")
    adapted = keras.layers.IntegerLookup(name="adapted")
    adapted.adapt(NUMBERS)
    outs = [
        keras.layers.IntegerLookup(vocabulary=[5, 7, 9])(x),
        keras.layers.IntegerLookup(vocabulary=[5, 7, 9], mask_token=0, oov_token=-7)(x),
        adapted(x),
        keras.layers.IntegerLookup(vocabulary=[5, 7, 9], num_oov_indices=3)(x),
        keras.layers.IntegerLookup(vocabulary=[5, 7, 9], output_mode="multi_hot")(x),
        keras.layers.IntegerLookup(
            vocabulary=[5, 7, 9], output_mode="count", max_tokens=6, pad_to_max_tokens=True
        )(x),
        keras.layers.IntegerLookup(vocabulary=[5, 7, 9], invert=True)(x),
    ]
    return keras.Model(x, outs)


def string_invert(keras: Any) -> Any:
    x = keras.Input((3,), dtype="int64")
    return keras.Model(
        x,
        [
            keras.layers.StringLookup(vocabulary=["a", "é", "c"], invert=True)(x),
            keras.layers.StringLookup(vocabulary=["a", "é", "c"], invert=True, mask_token="")(x),
        ],
    )


def text_vectorization(keras: Any) -> Any:
    x = keras.Input((), dtype="string")
    adapted = keras.layers.TextVectorization(name="adapted")
    adapted.adapt(CORPUS)
    bigrams = keras.layers.TextVectorization(
        max_tokens=12, ngrams=2, output_sequence_length=7, standardize="lower"
    )
    bigrams.adapt(CORPUS)
    chars = keras.layers.TextVectorization(split="character", output_mode="multi_hot")
    chars.adapt(CORPUS)
    tf_idf = keras.layers.TextVectorization(output_mode="tf_idf", ngrams=(1, 3))
    tf_idf.adapt(CORPUS)
    vocab = ["the", "cat", "héllo", "wörld", "straße", "a", "dog"]
    outs = [
        adapted(x),
        bigrams(x),
        chars(x),
        tf_idf(x),
        keras.layers.TextVectorization(
            vocabulary=vocab,
            output_mode="count",
            standardize=None,
            pad_to_max_tokens=True,
            max_tokens=12,
        )(x),
        keras.layers.TextVectorization(
            vocabulary=vocab, standardize="strip_punctuation", output_sequence_length=3
        )(x),
        keras.layers.TextVectorization(
            vocabulary=["a dog", "the end"], split=None, standardize="lower"
        )(x),
    ]
    return keras.Model(x, outs)


def build_sentiment(keras: Any, middle: Callable[[Any, Any], Any] | None = None) -> Any:
    """TextVectorization -> Embedding(mask_zero) -> ``middle`` -> Dense, adapted on
    :data:`CORPUS`; ``middle(keras, x)`` defaults to Bidirectional(LSTM) (the mask from
    the padded token ids reaches both directions)."""
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(CORPUS)
    x = keras.Input((), dtype="string")
    h = keras.layers.Embedding(20, 4, mask_zero=True)(vectorize(x))
    bilstm = keras.layers.Bidirectional(keras.layers.LSTM(3))
    h = bilstm(h) if middle is None else middle(keras, h)
    model = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


#: case name -> (builder, input).
CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray[Any, Any]]] = {
    "string_lookup": (string_lookup, WORDS),
    "integer_lookup": (integer_lookup, NUMBERS),
    "string_invert": (string_invert, NUMBERS % 5),
    "text_vectorization": (text_vectorization, TEXT),
    # An empty text masks every step: GlobalAveragePooling1D gives 0/0 = NaN in Keras too.
    "sentiment": (build_sentiment, TEXT[TEXT != ""]),
}
INPUTS = {name: data for name, (_, data) in CASES.items()}
