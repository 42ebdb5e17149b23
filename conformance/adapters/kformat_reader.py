"""Reference reader adapter: kformat validates, reference_runtime runs.

    python conformance/adapters/kformat_reader.py PATH [--architecture ARCH]
        [--limits LIMITS.json] [--deep] [--inputs IN.npz --outputs OUT.npz]
    python conformance/adapters/kformat_reader.py --serve     # persistent: JSON lines

Prints the verdict ``{"valid": ..., "issues": [...], "decoded": {...}}`` on stdout
(conformance/README.md, "Reader contract") and, given inputs, runs the model and writes
its outputs. With ``--serve`` it reads one JSON request per line on stdin and answers
each with one verdict line carrying the request's ``id`` ("Persistent adapters").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

# Run from a checkout, drive that checkout's kformat and reference_runtime (not whatever
# version is installed); an installed corpus (kformat/conformance/corpus/) has none above it.
_CHECKOUT = Path(__file__).resolve().parents[2]
if (_CHECKOUT / "kformat" / "__init__.py").is_file() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))

import kformat  # noqa: E402 (after the checkout is on sys.path)
from kformat.conformance import decode  # noqa: E402


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


def _run(path: str, architecture: str | None, inputs_path: str, outputs_path: str) -> None:
    import reference_runtime as keras

    custom = _custom_objects()
    if architecture:
        model = keras.load_model(architecture, custom_objects=custom)
        model.load_weights(path)
    else:
        model = keras.load_model(path, custom_objects=custom)
    with np.load(inputs_path, allow_pickle=False) as data:
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
    np.savez(outputs_path, **arrays)  # type: ignore[arg-type]


def verdict(
    path: str,
    *,
    architecture: str | None = None,
    limits: dict[str, int] | None = None,
    deep: bool = False,
    inputs: str | None = None,
    outputs: str | None = None,
) -> dict[str, Any]:
    """The verdict on one file (and its outputs written to ``outputs``)."""
    lim = kformat.Limits(**limits) if limits else None
    issues = list(kformat.iter_issues(path, limits=lim, deep=deep))
    result: dict[str, Any] = {
        "valid": not any(i.severity == "error" for i in issues),
        "issues": [
            {"code": i.code, "severity": i.severity, "member": i.member, "path": i.path}
            for i in issues
        ],
    }
    if result["valid"]:
        try:
            result["decoded"] = decode(path, limits=lim)
        except kformat.KFormatError as exc:
            # The validator passed the file but kformat.read refuses it: kformat as a
            # reader does not accept the file, so say so.
            result["valid"] = False
            result["issues"].append(
                {
                    "code": exc.code or "KF101",
                    "severity": "error",
                    "member": exc.member,
                    "path": exc.path,
                }
            )
            result["read_error"] = str(exc)
    if result["valid"] and inputs and outputs:
        try:
            _run(path, architecture, inputs, outputs)
        except Exception as exc:  # reported in the verdict; the harness scores it
            result["runtime_error"] = f"{type(exc).__name__}: {exc}"
    return result


def serve() -> int:
    """The persistent protocol: a request per stdin line, a verdict per stdout line."""
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = verdict(
                request["path"],
                architecture=request.get("architecture"),
                limits=request.get("limits"),
                deep=bool(request.get("deep")),
                inputs=request.get("inputs"),
                outputs=request.get("outputs"),
            )
        except Exception as exc:  # one bad case must not end the session
            answer = {"valid": False, "issues": [], "adapter_error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps({**answer, "id": request.get("id")}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--serve", action="store_true", help="persistent: JSON lines on stdin")
    parser.add_argument("--architecture")
    parser.add_argument("--limits")
    parser.add_argument("--deep", action="store_true")
    parser.add_argument("--inputs")
    parser.add_argument("--outputs")
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if args.path is None:
        parser.error("PATH is required without --serve")
    limits = None
    if args.limits:
        with open(args.limits, encoding="utf-8") as f:
            limits = json.load(f)
    print(
        json.dumps(
            verdict(
                args.path,
                architecture=args.architecture,
                limits=limits,
                deep=args.deep,
                inputs=args.inputs,
                outputs=args.outputs,
            )
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
