"""Text-layer cases for the real-Keras oracle corpus: TextVectorization, StringLookup and
IntegerLookup (``keras/src/layers/preprocessing/``), whose adapted vocabularies are saved as
assets (``assets/<layer path>/vocabulary.txt``).

Keras 3 runs these layers only with TensorFlow installed, and string tensors only with the
tensorflow backend: the Keras 3 writer writes them with KERAS_BACKEND=tensorflow (see
keras_models.main). String inputs are stored in inputs.npz as UTF-8 bytes (``S`` dtype), which
load without pickles. Registered in keras_cases.CASES (keras_models.py imports this module).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from keras_cases import Built, case

#: the reason keras_models.main() answers by rerunning the case with KERAS_BACKEND=tensorflow.
NEEDS_TF_BACKEND = "string tensors need KERAS_BACKEND=tensorflow"

CORPUS = [
    "the cat sat on the mat",
    "the dog ate my homework",
    "héllo wörld, the end",
    "Straße! cat? dog.",
    "école ÉCOLE the cat",
]


def _needs_tensorflow(ctx: Any) -> str | None:
    if importlib.util.find_spec("tensorflow") is None:
        return "the text layers need TensorFlow, which this environment lacks"
    if ctx.flavour == "keras3" and ctx.backend != "tensorflow":
        return NEEDS_TF_BACKEND
    return None


@case(
    "text_lookup",
    "TextVectorization(max_tokens=16, output_sequence_length=5) adapted on 5 texts (vocabulary "
    "asset, non-ASCII text) -> Embedding(16, 4, mask_zero=True) -> GlobalAveragePooling1D -> "
    "Dense(2, softmax); outputs: the token ids and the probabilities",
    requires=_needs_tensorflow,
)
def text_lookup(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    vectorize = L.TextVectorization(max_tokens=16, output_sequence_length=5, name="vectorize")
    vectorize.adapt(CORPUS)
    x = K.Input(shape=(), dtype="string", name="text")
    tokens = vectorize(x)
    h = L.Embedding(16, 4, mask_zero=True, name="embed")(tokens)
    h = L.GlobalAveragePooling1D(name="pool")(h)
    y = L.Dense(2, activation="softmax", name="probs")(h)
    model = K.Model(x, [tokens, y], name="text_classifier")
    # Seeded here, not by the driver: tf.keras lists the lookup's vocabulary among
    # model.weights (a VocabWeightHandler), which set_weights must not touch.
    for name in ("embed", "probs"):
        layer = model.get_layer(name)
        layer.set_weights([0.5 * ctx.normal(*w.shape) for w in layer.get_weights()])
    texts = np.array(["The cat ate the mat!", "HÉLLO héllo wörld, Straße", "a dog\tand a cat"])
    return Built(
        model,
        {"text": texts},
        "single",
        ["vectorize", "probs"],
        "list",
        set_weights=False,
        notes="inputs.npz holds the texts as UTF-8 bytes",
    )


@case(
    "string_integer_lookup",
    "StringLookup adapted (asset) and StringLookup(vocabulary, output_mode='count'); "
    "IntegerLookup(vocabulary, mask_token=0) and IntegerLookup(num_oov_indices=2) on (B, 3)",
    requires=_needs_tensorflow,
)
def string_integer_lookup(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    words = np.array([["the", "cat", "Straße"], ["zebra", "the", "héllo"], ["dog", "", "cat"]])
    adapted = L.StringLookup(name="adapted")
    adapted.adapt(words[words != ""])
    w = K.Input(shape=(3,), dtype="string", name="words")
    n = K.Input(shape=(3,), dtype="int64", name="numbers")
    outs = [
        adapted(w),
        L.StringLookup(vocabulary=["the", "cat", "héllo"], output_mode="count", name="count")(w),
        L.IntegerLookup(vocabulary=[5, 7, 9], mask_token=0, name="masked")(n),
        L.IntegerLookup(vocabulary=[5, 7, 9], num_oov_indices=2, name="buckets")(n),
    ]
    numbers = np.array([[5, 0, 11], [7, 9, 4], [-3, 5, 0]], dtype="int64")
    return Built(
        K.Model([w, n], outs, name="lookups"),
        {"words": words, "numbers": numbers},
        "list",
        ["adapted", "count", "masked", "buckets"],
        "list",
        set_weights=False,  # no weights; tf.keras lists vocabularies among model.weights
        notes="inputs.npz holds the words as UTF-8 bytes",
    )
