"""Reference writer adapter driving real Keras 3.

    python conformance/adapters/keras_writer.py --description model.json \
        --weights weights.npz --out OUT.keras
    python conformance/adapters/keras_writer.py --serve      # persistent: JSON lines

Builds the model from the description with ``keras.models.model_from_json``, sets each
layer's weights from ``weights.npz`` (keys ``<layer>/<index>``, nested models as
``<model>/<layer>/<index>``; the order of ``layer.get_weights()``), and saves it with
``model.save``. KERAS_BACKEND defaults to ``numpy`` here (no accelerator needed).
"""

from __future__ import annotations

import argparse
import json
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


def write(description: str, weights: str, out: str) -> None:
    """Build the described model, set its weights and save it to ``out``."""
    import keras  # type: ignore[import-untyped]

    with open(description, encoding="utf-8") as f:
        model = keras.models.model_from_json(f.read())
    for address, arrays in weights_by_layer(weights).items():
        find_layer(model, address).set_weights(arrays)
    model.save(out)
    # A persistent session starts each model afresh (layer-name counters); the garbage
    # collection clear_session also runs by default costs ~0.25 s a call in a big process.
    try:
        keras.backend.clear_session(free_memory=False)
    except TypeError:  # older Keras 3 releases have no free_memory argument
        keras.backend.clear_session()


def serve() -> int:
    """The persistent protocol: a request per stdin line, ``{"id", "ok"}`` per stdout line."""
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            write(request["description"], request["weights"], request["out"])
            answer: dict[str, Any] = {"ok": True}
        except Exception as exc:  # one bad case must not end the session
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps({**answer, "id": request.get("id")}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="persistent: JSON lines on stdin")
    parser.add_argument("--description")
    parser.add_argument("--weights")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if not (args.description and args.weights and args.out):
        parser.error("--description, --weights and --out are required without --serve")
    write(args.description, args.weights, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
