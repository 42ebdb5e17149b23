"""Reference writer adapter driving reference_runtime (NumPy only, no Keras).

    python conformance/adapters/runtime_writer.py --description model.json \
        --weights weights.npz --out OUT.keras
    python conformance/adapters/runtime_writer.py --serve      # persistent: JSON lines

The same steps as keras_writer.py with ``import reference_runtime as keras``:
``models.model_from_json``, ``layer.set_weights`` per ``weights.npz`` address, ``model.save``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

# Run from a checkout, drive that checkout's kformat and reference_runtime (not whatever
# version is installed); an installed corpus (kformat/conformance/corpus/) has none above it.
_CHECKOUT = Path(__file__).resolve().parents[2]
if (_CHECKOUT / "kformat" / "__init__.py").is_file() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))


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
    import reference_runtime as keras

    with open(description, encoding="utf-8") as f:
        model = keras.models.model_from_json(f.read())
    for address, arrays in weights_by_layer(weights).items():
        find_layer(model, address).set_weights(arrays)
    model.save(out)


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
