"""The parity cases from the corpora: exported SavedModel vs the NumPy runtime.

A case is a runtime model with inputs and tolerances: every folder of the
real-Keras corpus ``conformance/keras_files/<writer>/<case>/`` the runtime runs,
and every case of the recipe-built runtime corpus ``conformance/runtime/<case>/``
(the in-code models are in :mod:`tools.export_parity._zoo`). The reference output
is the runtime's own (``model(feed)``), not Keras's.

Tolerances: float32 ``rtol=1e-5, atol=1e-6``, models with convolutions ``rtol=1e-4,
atol=1e-5`` (TensorFlow's convolution kernels sum in another order). Models computing in float16 or
bfloat16 use the corpus's tolerances for those dtypes (float16
``rtol=1e-2, atol=2e-3``; bfloat16 ``rtol=5e-2, atol=2e-2``): TensorFlow and
NumPy round half-precision matmuls and sums differently.
"""

from __future__ import annotations

import functools
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BF16_TOL",
    "CONV_TOL",
    "F16_TOL",
    "F32_TOL",
    "Case",
    "Result",
    "conformance_root",
    "corpus_cases",
    "corpus_root",
    "custom_objects",
    "runtime_cases",
]

F32_TOL = (1e-5, 1e-6)
# float32 convolutions: TensorFlow's CPU kernels (oneDNN) accumulate the window
# products in another order than the runtime's one GEMM per layer, and a deep
# stack of them amplifies the difference (observed: 3.5e-5 relative after five
# layers).
CONV_TOL = (1e-4, 1e-5)
F16_TOL = (1e-2, 2e-3)
BF16_TOL = (5e-2, 2e-2)


@dataclass
class Case:
    """One parity case: how to build the model and feed it, and the tolerances."""

    name: str
    build: Callable[[], Any]
    feed: Callable[[], Any]
    rtol: float = F32_TOL[0]
    atol: float = F32_TOL[1]
    source: Path | None = None  # the .keras file exported from, when there is one
    may_refuse: bool = False  # the runtime may refuse the file (KFormatError): skip, not fail
    notes: str = ""


@dataclass
class Result:
    """The comparison of one case on one device."""

    case: str
    device: str
    max_abs: float
    max_rel: float
    ok: bool


def conformance_root() -> Path | None:
    """``conformance/`` of this checkout (``$KFORMAT_CONFORMANCE`` overrides). This tool
    lives in the checkout, outside the installed packages, so the folder is its sibling."""
    env = os.environ.get("KFORMAT_CONFORMANCE")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "conformance"
    return root if root.is_dir() else None


def corpus_root() -> Path | None:
    """``conformance/keras_files``: the real-Keras corpus, if this is a source checkout."""
    root = conformance_root()
    return root / "keras_files" if root is not None and (root / "keras_files").is_dir() else None


# -- the corpus's registered custom layer ----------------------------------------------


def _scale_shift_class() -> type:
    import reference_runtime as rr

    class ScaleShift(rr.layers.Layer):
        """NumPy twin of the corpus's ``MyLayers>ScaleShift`` (``y = x * scale + shift``)."""

        def __init__(self, shift: float = 0.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.shift = shift

        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(
                name="scale", shape=(int(input_shape[-1]),), initializer="ones"
            )

        def call(self, inputs: Any) -> Any:
            return inputs * self.scale.value + np.asarray(self.shift, inputs.dtype)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "shift": self.shift}

    return ScaleShift


_CUSTOM: dict[str, type] = {}


def custom_objects() -> dict[str, type]:
    """``custom_objects`` for the corpus, with the TensorFlow twin registered."""
    if not _CUSTOM:
        import tensorflow as tf

        from reference_runtime.export import register_tf_layer

        cls = _scale_shift_class()

        def scale_shift(ctx: Any, layer: Any, inputs: Any) -> Any:
            scale = ctx.read(layer.scale, layer)
            return inputs * scale + tf.constant(layer.shift, inputs.dtype)

        register_tf_layer(cls, scale_shift)
        _CUSTOM.update({"MyLayers>ScaleShift": cls, "ScaleShift": cls})
    return dict(_CUSTOM)


# -- corpus cases ---------------------------------------------------------------------


def _tolerances(made: dict[str, Any], config: str = "") -> tuple[float, float]:
    text = json.dumps(made.get("output_dtypes", {})) + made.get("case", "")
    if "bfloat16" in text:
        return BF16_TOL
    if "float16" in text:
        return F16_TOL
    if re.search(r'"class_name": "(Conv|Convolution|DepthwiseConv|SeparableConv)', config):
        return CONV_TOL
    return F32_TOL


def _config_text(folder: Path, made: dict[str, Any]) -> str:
    # The architecture the case holds (config.json of its .keras), for _tolerances.
    path = folder / made["model_file"]
    if path.suffix != ".keras" or not path.is_file():
        return ""
    with zipfile.ZipFile(path) as archive:
        return archive.read("config.json").decode("utf-8", "replace")


def _feed(case: Path, made: dict[str, Any]) -> Any:
    with np.load(case / "inputs.npz") as data:
        inputs = {k: data[k] for k in data.files}
    names = made["input_names"]
    if made["input_structure"] == "single":
        return inputs[names[0]]
    if made["input_structure"] == "list":
        return [inputs[n] for n in names]
    return {n: inputs[n] for n in names}


def _load(case: Path, made: dict[str, Any]) -> Any:
    import reference_runtime as rr

    arch = case / made.get("architecture_file", made["model_file"])
    model = rr.load_model(arch, custom_objects=custom_objects(), compile=False)
    if made.get("architecture_file"):
        model.load_weights(case / made["model_file"])
    return model


def corpus_cases(root: Path | None = None) -> Iterator[Case]:
    """Every corpus folder. A case whose own writer could not reload it
    (``made.json`` ``reload_check`` "failed") has ``may_refuse``: the runtime may
    refuse it with a ``KFormatError``, and then there is nothing to compare."""
    root = root or corpus_root()
    if root is None:
        return
    for folder in sorted(p for p in root.glob("*/*") if (p / "made.json").is_file()):
        made = json.loads((folder / "made.json").read_text(encoding="utf-8"))
        rtol, atol = _tolerances(made, _config_text(folder, made))
        source = None if made.get("architecture_file") else folder / made["model_file"]
        yield Case(
            name=f"{folder.parent.name}/{folder.name}",
            build=functools.partial(_load, folder, made),
            feed=functools.partial(_feed, folder, made),
            rtol=rtol,
            atol=atol,
            source=source,
            may_refuse=str(made.get("reload_check", "")).startswith("failed"),
        )


def _runtime_feed(folder: Path, runtime: dict[str, Any]) -> Any:
    with np.load(folder / runtime["inputs"]) as data:
        inputs = {k: data[k] for k in data.files}
    names = runtime["input_names"]
    if runtime["input_structure"] == "single":
        return inputs[names[0]]
    if runtime["input_structure"] == "list":
        return [inputs[n] for n in names]
    return {n: inputs[n] for n in names}


def _runtime_load(folder: Path, doc: dict[str, Any]) -> Any:
    import reference_runtime as rr

    source = folder / doc["source"]
    if doc["layout"] in ("weights_h5", "sharded"):
        model = rr.load_model(folder / "model.keras", custom_objects=custom_objects())
        model.load_weights(source)
        return model
    return rr.load_model(source, custom_objects=custom_objects(), compile=False)


def runtime_cases(root: Path | None = None) -> Iterator[Case]:
    """Every ``conformance/runtime/<case>/case.json`` (the recipe-built runtime corpus)."""
    root = root or conformance_root()
    if root is None or not (root / "runtime").is_dir():
        return
    for folder in sorted(p for p in (root / "runtime").glob("*") if (p / "case.json").is_file()):
        doc = json.loads((folder / "case.json").read_text(encoding="utf-8"))
        runtime = doc.get("runtime")
        if not runtime:
            continue
        rtol, atol = _tolerances({"case": folder.name})
        whole_file = doc["layout"] in ("keras", "directory")
        yield Case(
            name=f"runtime/{folder.name}",
            build=functools.partial(_runtime_load, folder, doc),
            feed=functools.partial(_runtime_feed, folder, runtime),
            rtol=rtol,
            atol=atol,
            source=folder / doc["source"] if whole_file else None,
        )
