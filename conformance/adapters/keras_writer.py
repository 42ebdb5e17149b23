"""Reference writer adapter driving real Keras 3.

    python conformance/adapters/keras_writer.py --description model.json \
        --weights weights.npz --out OUT.keras

Builds the model from the description with ``keras.models.model_from_json``, sets each
layer's weights from ``weights.npz`` (keys ``<layer>/<index>``, nested models as
``<model>/<layer>/<index>``; the order of ``layer.get_weights()``), and saves it with
``model.save``. KERAS_BACKEND defaults to ``numpy`` here (no accelerator needed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")


def weights_by_layer(path: str) -> dict[str, list[np.ndarray[Any, Any]]]:
    """``weights.npz`` as ``{address: [array, ...]}`` in index order."""
    grouped: dict[str, dict[int, np.ndarray[Any, Any]]] = defaultdict(dict)
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            address, index = key.rsplit("/", 1)
            grouped[address][int(index)] = np.asarray(data[key])
    return {a: [v[i] for i in sorted(v)] for a, v in grouped.items()}


def find_layer(model: Any, address: str) -> Any:
    layer = model
    for name in address.split("/"):
        layer = layer.get_layer(name)
    return layer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--description", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    import keras  # type: ignore[import-untyped]

    with open(args.description, encoding="utf-8") as f:
        model = keras.models.model_from_json(f.read())
    for address, arrays in weights_by_layer(args.weights).items():
        find_layer(model, address).set_weights(arrays)
    model.save(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
