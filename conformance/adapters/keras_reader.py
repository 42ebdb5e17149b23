"""Real Keras as a loader: the writer check's oracle ("does Keras load it?").

    python conformance/adapters/keras_reader.py PATH [--architecture ARCH]
        [--inputs IN.npz --outputs OUT.npz]
    python conformance/adapters/keras_reader.py --serve     # persistent: JSON lines

Loads the file with ``keras.saving.load_model`` (safe mode) and, given inputs, writes
the model's outputs. The verdict is ``{"valid": true}`` when Keras loads the file and
``{"valid": false, "load_error": "..."}`` when it refuses it: Keras is a loader, not a
validator (score it with ``--mode load``). It does not report a decoded form.
KERAS_BACKEND defaults to ``numpy`` here (no accelerator needed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")


def verdict(
    path: str,
    *,
    architecture: str | None = None,
    inputs: str | None = None,
    outputs: str | None = None,
) -> dict[str, Any]:
    import keras  # type: ignore[import-untyped]

    try:  # fresh layer-name counters; skip the slow gc.collect where Keras allows it
        keras.backend.clear_session(free_memory=False)
    except TypeError:  # older Keras 3 releases have no free_memory argument
        keras.backend.clear_session()
    try:
        if architecture:
            model = keras.saving.load_model(architecture)
            model.load_weights(path)
        else:
            model = keras.saving.load_model(path)
    except Exception as exc:  # Keras refuses the file: that is the answer
        return {"valid": False, "issues": [], "load_error": f"{type(exc).__name__}: {exc}"}
    result: dict[str, Any] = {"valid": True, "issues": []}
    if inputs and outputs:
        try:
            with np.load(inputs, allow_pickle=False) as data:
                feed = {k: np.asarray(data[k]) for k in data.files}
            raw = model.predict(next(iter(feed.values())) if len(feed) == 1 else feed, verbose=0)
            if isinstance(raw, dict):
                arrays = {str(k): np.asarray(v) for k, v in raw.items()}
            else:
                items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
                arrays = {f"output_{i}": np.asarray(v) for i, v in enumerate(items)}
            np.savez(outputs, **arrays)  # type: ignore[arg-type]
        except Exception as exc:
            result["runtime_error"] = f"{type(exc).__name__}: {exc}"
    return result


def serve() -> int:
    """The persistent protocol: a request per stdin line, a verdict per stdout line."""
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        answer = verdict(
            request["path"],
            architecture=request.get("architecture"),
            inputs=request.get("inputs"),
            outputs=request.get("outputs"),
        )
        print(json.dumps({**answer, "id": request.get("id")}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--serve", action="store_true", help="persistent: JSON lines on stdin")
    parser.add_argument("--architecture")
    parser.add_argument("--limits")  # accepted, not used: Keras has no such limits
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if args.path is None:
        parser.error("PATH is required without --serve")
    answer = verdict(
        args.path, architecture=args.architecture, inputs=args.inputs, outputs=args.outputs
    )
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
