"""Reference reader adapter: kformat validates, reference_runtime runs.

    python conformance/adapters/kformat_reader.py PATH [--architecture ARCH]
        [--limits LIMITS.json] [--deep] [--inputs IN.npz --outputs OUT.npz]

Prints the verdict ``{"valid": ..., "issues": [...], "decoded": {...}}`` on stdout
(conformance/README.md, "Reader contract") and, given ``--inputs``, runs the model and
writes its outputs to ``--outputs``. Exit status 0 whenever a verdict was printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

import kformat
from kformat.conformance import decode


def _limits(path: str | None) -> kformat.Limits | None:
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        return kformat.Limits(**json.load(f))


def _custom_objects() -> dict[str, Any]:
    """The conformance corpus' one custom layer, ``MyLayers>ScaleShift``: y = x * scale + shift
    (conformance/README.md, "Custom objects")."""
    import reference_runtime as keras

    class ScaleShift(keras.layers.Layer):
        def __init__(self, shift: float = 0.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.shift = shift

        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(
                name="scale", shape=(int(input_shape[-1]),), initializer="ones"
            )
            self.built = True

        def call(self, inputs: Any) -> Any:
            return inputs * self.scale + self.shift

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "shift": self.shift}

    return {"MyLayers>ScaleShift": ScaleShift}


def _run(args: argparse.Namespace) -> None:
    import reference_runtime as keras

    custom = _custom_objects()
    if args.architecture:
        model = keras.load_model(args.architecture, custom_objects=custom)
        model.load_weights(args.path)
    else:
        model = keras.load_model(args.path, custom_objects=custom)
    with np.load(args.inputs, allow_pickle=False) as data:
        inputs = {k: np.asarray(data[k]) for k in data.files}
    if len(inputs) == 1:
        feed: Any = next(iter(inputs.values()))
    else:
        names = list(getattr(model, "input_names", []) or [])
        feed = inputs if set(names) == set(inputs) else list(inputs.values())
    out = model.predict(feed, verbose=0)  # stdout carries the JSON verdict only
    if isinstance(out, dict):
        arrays = {str(k): np.asarray(v) for k, v in out.items()}
    else:
        items = list(out) if isinstance(out, (list, tuple)) else [out]
        arrays = {f"output_{i}": np.asarray(v) for i, v in enumerate(items)}
    np.savez(args.outputs, **arrays)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--architecture")
    parser.add_argument("--limits")
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    args = parser.parse_args(argv)
    limits = _limits(args.limits)
    issues = list(kformat.iter_issues(args.path, limits=limits, deep=args.deep))
    verdict: dict[str, Any] = {
        "valid": not any(i.severity == "error" for i in issues),
        "issues": [
            {"code": i.code, "severity": i.severity, "member": i.member, "path": i.path}
            for i in issues
        ],
    }
    if verdict["valid"]:
        try:
            verdict["decoded"] = decode(args.path, limits=limits)
        except kformat.KFormatError as exc:
            # The validator passed the file but kformat.read refuses it: kformat as a
            # reader does not accept the file, so say so.
            verdict["valid"] = False
            verdict["issues"].append(
                {
                    "code": exc.code or "KF101",
                    "severity": "error",
                    "member": exc.member,
                    "path": exc.path,
                }
            )
            verdict["read_error"] = str(exc)
    if verdict["valid"] and args.inputs and args.outputs:
        try:
            _run(args)
        except Exception as exc:  # reported in the verdict; the harness scores it
            verdict["runtime_error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
