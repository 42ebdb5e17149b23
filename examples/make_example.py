"""Regenerate examples/guide_functional.keras with real Keras (not needed to use it).

The model is the Keras saving guide's functional example, compiled and
trained for one step as the guide does (so the file carries optimizer state),
from deterministic weights and data: ``python examples/make_example.py``
(needs keras and jax).
"""

from __future__ import annotations

import os
from pathlib import Path

# fit() needs a backend that trains (the numpy backend cannot).
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np


def main() -> None:
    rng = np.random.default_rng(0)
    inputs = keras.Input(shape=(32,), name="features")
    x = keras.layers.Dense(16, activation="relu", name="hidden")(inputs)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.Dropout(0.25, name="drop")(x)
    outputs = keras.layers.Dense(1, name="score")(x)
    model = keras.Model(inputs, outputs, name="guide_functional")
    model.set_weights(
        [rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()]
    )
    # Moving variance must stay positive.
    norm = model.get_layer("norm")
    gamma, beta, mean, var = norm.get_weights()
    norm.set_weights([gamma, beta, mean, np.abs(var) + 0.5])
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    x = rng.standard_normal((32, 32)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    out = Path(__file__).with_name("guide_functional.keras")
    model.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
