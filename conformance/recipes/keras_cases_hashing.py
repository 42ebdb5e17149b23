"""Hashing cases for the real-Keras oracle corpus: Hashing and HashedCrossing.

Both layers run TensorFlow string ops under every Keras (FarmHash Fingerprint64, SipHash
with a salt, tf.sparse.cross_hashed), so a reader must reproduce those hashes bit for bit.
String inputs are stored in inputs.npz as fixed-width unicode arrays (no pickle).
Registered in keras_cases.CASES (the driver, keras_models.py, imports this module).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from keras_cases import Built, case

_WORDS = ["", "a", "héllo", "日本語", "seventeen chars!!", "x" * 40, "y" * 70]


def _has(name: str) -> Any:
    def check(ctx: Any) -> str | None:
        if not hasattr(ctx.keras.layers, name):
            return f"this Keras has no layers.{name}"
        if importlib.util.find_spec("tensorflow") is None:
            return f"{name} needs TensorFlow, which this writer's environment lacks"
        return None

    return check


@case(
    "hashing",
    "Hashing on strings of every FarmHash length branch (num_bins=16), with salt=[133, 137] "
    "(SipHash), mask_value='' + one_hot on (B, 1), and on int64 ids (hashed as decimal strings)",
    requires=_has("Hashing"),
)
def hashing(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    words = K.Input(shape=(3,), dtype="string", name="words")
    city = K.Input(shape=(1,), dtype="string", name="city")
    ids = K.Input(shape=(2,), dtype="int64", name="ids")
    outs = [
        L.Hashing(num_bins=16, name="fast")(words),
        L.Hashing(num_bins=16, salt=[133, 137], name="salted")(words),
        L.Hashing(num_bins=5, mask_value="", output_mode="one_hot", name="masked_one_hot")(city),
        L.Hashing(num_bins=10, name="ints")(ids),
    ]
    pick = ctx.rng.integers(0, len(_WORDS), size=(3, 4))
    table = np.array(_WORDS)
    return Built(
        K.Model([words, city, ids], outs),
        {
            "words": table[pick[:, :3]],
            "city": table[pick[:, 3:]],
            "ids": ctx.rng.integers(-5, 1000, size=(3, 2)).astype("int64"),
        },
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        set_weights=False,
        notes="Keras 3's NumPy/JAX backends cannot feed string inputs to predict; the driver "
        "runs the model graph eagerly on tf.string tensors there (the layers use TF ops anyway)",
    )


@case(
    "hashed_crossing",
    "HashedCrossing of a string and an int64 feature (num_bins=20), and one_hot (num_bins=6) "
    "on (B, 1) features",
    requires=_has("HashedCrossing"),
)
def hashed_crossing(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    city = K.Input(shape=(1,), dtype="string", name="city")
    ids = K.Input(shape=(1,), dtype="int64", name="ids")
    outs = [
        L.HashedCrossing(num_bins=20, name="cross")((city, ids)),
        L.HashedCrossing(num_bins=6, output_mode="one_hot", name="cross_one_hot")((city, ids)),
    ]
    pick = ctx.rng.integers(0, len(_WORDS), size=(3, 1))
    return Built(
        K.Model([city, ids], outs),
        {
            "city": np.array(_WORDS)[pick],
            "ids": ctx.rng.integers(-(2**40), 2**40, size=(3, 1)).astype("int64"),
        },
        "list",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        set_weights=False,
    )
