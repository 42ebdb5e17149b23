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
    "Dense(2, softmax); StringLookup adapted (asset) and StringLookup(vocabulary, "
    "output_mode='count') on (B, 3) words; IntegerLookup(vocabulary, mask_token=0) and "
    "IntegerLookup(num_oov_indices=2) on (B, 3) integers",
    requires=_needs_tensorflow,
)
def text_lookup(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    vectorize = L.TextVectorization(max_tokens=16, output_sequence_length=5, name="vectorize")
    vectorize.adapt(CORPUS)
    words = np.array([["the", "cat", "Straße"], ["zebra", "the", "héllo"], ["dog", "", "cat"]])
    adapted = L.StringLookup(name="adapted")
    adapted.adapt(words[words != ""])
    x = K.Input(shape=(), dtype="string", name="text")
    w = K.Input(shape=(3,), dtype="string", name="words")
    n = K.Input(shape=(3,), dtype="int64", name="numbers")
    tokens = vectorize(x)
    h = L.Embedding(16, 4, mask_zero=True, name="embed")(tokens)
    h = L.GlobalAveragePooling1D(name="pool")(h)
    y = L.Dense(2, activation="softmax", name="probs")(h)
    outs = [
        tokens,
        y,
        adapted(w),
        L.StringLookup(vocabulary=["the", "cat", "héllo"], output_mode="count", name="count")(w),
        L.IntegerLookup(vocabulary=[5, 7, 9], mask_token=0, name="masked")(n),
        L.IntegerLookup(vocabulary=[5, 7, 9], num_oov_indices=2, name="buckets")(n),
    ]
    model = K.Model([x, w, n], outs, name="text_lookup")
    # Seeded here, not by the driver: tf.keras lists the lookups' vocabularies among
    # model.weights (VocabWeightHandler), which set_weights must not touch.
    for name in ("embed", "probs"):
        layer = model.get_layer(name)
        layer.set_weights([0.5 * ctx.normal(*v.shape) for v in layer.get_weights()])
    texts = np.array(["The cat ate the mat!", "HÉLLO héllo wörld, Straße", "a dog\tand a cat"])
    numbers = np.array([[5, 0, 11], [7, 9, 4], [-3, 5, 0]], dtype="int64")
    return Built(
        model,
        {"text": texts, "words": words, "numbers": numbers},
        "list",
        ["vectorize", "probs", "adapted", "count", "masked", "buckets"],
        "list",
        set_weights=False,
        notes="inputs.npz holds the texts and words as UTF-8 bytes",
    )
