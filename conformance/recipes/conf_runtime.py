"""Runtime cases: models built with reference_runtime's Keras API, seeded weights, outputs.

A builder returns a :class:`Built` (model + inputs); :func:`make_runtime_case` gives the
model seeded weights, writes it with kformat (optionally through a version-quirk
transform), and records the expected outputs. Outputs are computed in float64 (every
float32 policy, weight and input widened) and rounded to float32, so they do not depend on
the BLAS of the machine that regenerates them; reduced-precision policies are computed as
they are (``exact=True``). tests/conformance/test_keras_oracle.py checks them against real
Keras.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from conf_kit import (
    EPOCH,
    META,
    CaseDef,
    archive,
    decoded,
    keras_bytes,
    layout_files,
    rng_for,
    source_name,
)

import kformat


@dataclasses.dataclass
class Built:
    """What a builder returns."""

    model: Any
    inputs: dict[str, np.ndarray[Any, Any]]
    input_structure: str = "single"  # single | list | dict
    rtol: float = 1e-5
    atol: float = 1e-6
    exact: bool = False  # compute at the policy's own precision (float16, bfloat16, mixed)
    warnings: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    writer: bool = True
    notes: str = ""


PLAIN = {
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
}

Builder = Callable[[Any, np.random.Generator], Built]
Transform = Callable[[kformat.KerasArchive], kformat.KerasArchive]


def npz_bytes(arrays: dict[str, np.ndarray[Any, Any]]) -> bytes:
    """An ``.npz`` with fixed timestamps (``np.savez`` stamps the time of day)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, arr in arrays.items():
            data = io.BytesIO()
            np.lib.format.write_array(data, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=EPOCH)
            info.create_system = 3
            info.external_attr = 0o100600 << 16
            zf.writestr(info, data.getvalue())
    return buf.getvalue()


def is_model(layer: Any) -> bool:
    import reference_runtime as K

    return isinstance(layer, K.Model)


def leaf_layers(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(address, layer)`` for every layer that is not a model; nested models add a
    ``<model name>/`` prefix (the writer contract's weight keys)."""
    for layer in model.layers:
        address = f"{prefix}{layer.name}"
        if is_model(layer):
            yield from leaf_layers(layer, address + "/")
        else:
            yield address, layer


def seeded(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """A value shaped by what the variable is (positive variances, gammas near 1)."""
    return np.asarray(_seeded(name, shape, rng))


def _seeded(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> Any:
    if name in ("gamma", "scale"):
        return 1.0 + 0.2 * rng.standard_normal(shape)
    if name in ("moving_variance", "moving_stddev", "renorm_stddev"):
        return rng.uniform(0.5, 2.0, shape)
    if name in ("beta", "moving_mean", "renorm_mean", "bias"):
        return 0.2 * rng.standard_normal(shape)
    if name == "alpha":
        return rng.uniform(0.05, 0.3, shape)
    if len(shape) >= 2:
        return rng.standard_normal(shape) / np.sqrt(shape[0])
    return 0.3 * rng.standard_normal(shape)


def seed_weights(model: Any, rng: np.random.Generator) -> dict[str, np.ndarray[Any, Any]]:
    """Set every weight from ``rng``; return the writer's ``weights.npz`` arrays."""
    by_layer: dict[str, np.ndarray[Any, Any]] = {}
    for address, layer in leaf_layers(model):
        values = []
        for w in layer.weights:
            short = str(getattr(w, "name", "")).split("/")[-1]
            dtype = np.asarray(w.numpy() if hasattr(w, "numpy") else w).dtype
            values.append(seeded(short, tuple(int(d) for d in w.shape), rng).astype(dtype))
        if values:
            layer.set_weights(values)
            for i, v in enumerate(layer.get_weights()):
                a = np.asarray(v)
                # weights.npz holds plain dtypes: bfloat16 values go as (exact) float32.
                by_layer[f"{address}/{i}"] = a if a.dtype.name in PLAIN else a.astype(np.float32)
    return by_layer


def model_archive(model: Any) -> kformat.KerasArchive:
    """The archive reference_runtime saves for ``model``, with the corpus' metadata."""
    with tempfile.TemporaryDirectory(prefix="kfcase-") as tmp:
        path = Path(tmp) / "m.keras"
        model.save(str(path))
        arc = kformat.read(path)
        return archive(arc.config, arc.weights.materialize(), arc.groups, metadata=dict(META))  # type: ignore[attr-defined]


def _widen(value: Any) -> Any:
    if isinstance(value, list):
        return [_widen(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in ("DTypePolicy", "Policy") and isinstance(
        value.get("config"), dict
    ):
        name = value["config"].get("name")
        if name == "float32":
            return {**value, "config": {**value["config"], "name": "float64"}}
    return {
        k: ("float64" if k == "dtype" and v == "float32" else _widen(v)) for k, v in value.items()
    }


def float64_variant(arc: kformat.KerasArchive) -> kformat.KerasArchive:
    """The same model computing in float64 (float32 policies, weights and inputs widened)."""
    weights = {
        p: (np.asarray(a, dtype=np.float64) if np.asarray(a).dtype == np.float32 else np.asarray(a))
        for p, a in arc.weights.items()
    }
    return dataclasses.replace(arc, config=_widen(arc.config), weights=weights)


def feed(inputs: dict[str, np.ndarray[Any, Any]], structure: str) -> Any:
    arrays = list(inputs.values())
    if structure == "single":
        return arrays[0]
    if structure == "list":
        return arrays
    return dict(inputs)


def run_archive(arc: kformat.KerasArchive, inputs: Any) -> Any:
    import reference_runtime as K

    with tempfile.TemporaryDirectory(prefix="kfcase-") as tmp:
        path = Path(tmp) / "m.keras"
        kformat.write(arc, path)
        return K.load_model(str(path)).predict(inputs, verbose=0)


def output_names(model: Any, raw: Any) -> tuple[list[str], str]:
    if isinstance(raw, dict):
        return list(raw), "dict"
    names = list(getattr(model, "output_names", None) or [model.layers[-1].name])
    count = len(raw) if isinstance(raw, (list, tuple)) else 1
    if len(names) != count or len(set(names)) != count:
        names = [f"output_{i}" for i in range(count)]
    return names, ("list" if isinstance(raw, (list, tuple)) else "single")


def expected_outputs(
    arc: kformat.KerasArchive, built: Built
) -> tuple[dict[str, np.ndarray[Any, Any]], list[str], str]:
    if built.exact:
        raw = run_archive(arc, feed(built.inputs, built.input_structure))
    else:
        wide = {
            k: (v.astype(np.float64) if v.dtype == np.float32 else v)
            for k, v in built.inputs.items()
        }
        raw = run_archive(float64_variant(arc), feed(wide, built.input_structure))
    names, structure = output_names(built.model, raw)
    items = (
        [raw[n] for n in names]
        if structure == "dict"
        else (list(raw) if structure == "list" else [raw])
    )
    out = {}
    for n, v in zip(names, items, strict=True):
        a = np.asarray(v)
        if (not built.exact and a.dtype == np.float64) or a.dtype.name not in PLAIN:
            a = a.astype(np.float32)  # rounded once; bfloat16 widened (not a plain dtype)
        out[n] = a
    return out, names, structure


def layer_pointer(config: dict[str, Any], name: str) -> str:
    """The JSON pointer of the layer entry called ``name`` in a model config."""
    for i, entry in enumerate(config["config"]["layers"]):
        if entry.get("name", entry.get("config", {}).get("name")) == name:
            return f"/config/layers/{i}"
    raise KeyError(name)


def prepare(
    name: str, builder: Builder
) -> tuple[Built, dict[str, np.ndarray[Any, Any]], kformat.KerasArchive]:
    """Build the model of case ``name``, seed its weights: (built, weights.npz arrays, archive)."""
    import reference_runtime as K

    clear_names()
    rng = rng_for(name)
    built = builder(K, rng)
    by_layer = seed_weights(built.model, rng)
    return built, by_layer, model_archive(built.model)


def clear_names() -> None:
    """Restart automatic layer names (``dense``, ``dense_1``, ...) for every case, as
    ``keras.backend.clear_session()`` does. Without it, names depend on which cases ran before."""
    import reference_runtime

    reference_runtime.clear_session()


def make_runtime_case(
    name: str,
    description: str,
    builder: Builder,
    *,
    layout: str = "keras",
    transform: Transform | None = None,
    keras_loads: str | None = None,
) -> CaseDef:
    """One runtime case. ``keras_loads``: why Keras 3 cannot load the file (the oracle test
    skips it), e.g. a tf_keras module path."""
    built, by_layer, arc = prepare(name, builder)
    plain = arc
    if transform is not None:
        arc = transform(arc)
    outputs, out_names, out_structure = expected_outputs(arc, built)
    files: dict[str, Any] = {}
    doc: dict[str, Any] = {}
    if layout in ("weights_h5", "sharded"):
        files["model.keras"] = keras_bytes(arc)
        doc["architecture"] = "model.keras"
        weights_only = dataclasses.replace(
            arc,
            config=None,
            metadata=None,
            layout=layout,  # type: ignore[arg-type]
        )
        kw = {"max_shard_size": 600 / 1024**3} if layout == "sharded" else {}
        files.update(layout_files(weights_only, layout, **kw))
        doc["decoded"] = decoded(weights_only, layout)
    else:
        files.update(layout_files(arc, layout))
        doc["decoded"] = decoded(arc, layout)
    files["inputs.npz"] = npz_bytes(built.inputs)
    files["outputs.npz"] = npz_bytes(outputs)
    doc["runtime"] = {
        "inputs": "inputs.npz",
        "outputs": "outputs.npz",
        "input_names": list(built.inputs),
        "input_structure": built.input_structure,
        "output_names": out_names,
        "output_structure": out_structure,
        "rtol": built.rtol,
        "atol": built.atol,
    }
    warnings = [
        {"code": c, "severity": "warning", "member": m, "path": p} for c, m, p in built.warnings
    ]
    doc["expect"] = {"valid": True, "issues": warnings}
    if built.writer and transform is None and layout == "keras":
        files["model.json"] = (json.dumps(plain.config, indent=2) + "\n").encode("ascii")
        files["weights.npz"] = npz_bytes(by_layer)
        doc["writer"] = {
            "description": "model.json",
            "weights": "weights.npz",
            "allowed_warnings": sorted({c for c, _, _ in built.warnings}),
        }
    if built.notes:
        doc["notes"] = built.notes
    if keras_loads:
        doc["keras3_cannot_load"] = keras_loads
    return CaseDef("runtime", None, name, description, files, source_name(layout), layout, doc)
