"""``kformat.inspect``: what a Keras file holds, as a typed value, without running it.

Metadata, the writer and generation with the evidence for them, a layer table
like ``model.summary()``, the weights manifest, the custom objects the config
needs, the compile config and the optimizer state's size. Everything comes
from ``config.json``, ``metadata.json`` and the HDF5 index: no weight byte is
read unless ``hash=True`` asks for a sha256 of every array.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping
from typing import IO, Any

from kformat import weight_paths
from kformat._archive import KerasArchive, WeightMap
from kformat._info import natural_key
from kformat._limits import Limits
from kformat._model_graph import Shape, model_nodes

__all__ = ["LayerInfo", "ModelInfo", "WeightEntry", "WriterInfo", "inspect", "inspect_archive"]


@dataclasses.dataclass(frozen=True)
class WriterInfo:
    """Which Keras wrote a file, and why kformat thinks so.

    Attributes:
        writer: ``keras`` (Keras 3), ``tf.keras`` (TensorFlow's bundled Keras
            2.13-2.15), ``tf_keras`` (the standalone Keras 2 package) or ``unknown``.
        version: ``metadata.json``'s ``keras_version``, if any.
        generation: the weight-path generation (:data:`kformat.weight_paths.Generation`).
        evidence: the observations behind the verdict, one sentence each.
    """

    writer: str
    version: str | None
    generation: str
    evidence: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """One row of the layer table (nested models' layers follow their model).

    Attributes:
        name: the layer's name (``outer/inner`` inside a nested model).
        class_name: its config ``class_name``.
        output_shape: one shape per output tensor, ``()`` when unknown.
        params: values stored under its object path (sub-layers included).
        dtype_policy: the dtype policy name, if the config names one.
        inbound: the layers it is called on.
        path: its HDF5 object path (``/layers/dense``), if it owns one.
        parent: the nested model holding it, else ``None``.
    """

    name: str
    class_name: str
    output_shape: tuple[Shape, ...]
    params: int
    dtype_policy: str | None
    inbound: tuple[str, ...]
    path: str | None
    parent: str | None


@dataclasses.dataclass(frozen=True)
class WeightEntry:
    """One dataset: HDF5 path, owning layer, dtype, shape, bytes, optional sha256."""

    path: str
    layer: str | None
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What :func:`inspect` found; :meth:`to_dict` is the ``--format json`` document."""

    file: str
    layout: str
    metadata: Mapping[str, Any] | None
    class_name: str | None
    name: str | None
    writer: WriterInfo
    layers: tuple[LayerInfo, ...]
    weights: tuple[WeightEntry, ...]
    custom_objects: tuple[str, ...]
    compile_config: Mapping[str, Any] | None
    optimizer: str | None
    optimizer_arrays: int
    optimizer_bytes: int
    assets: tuple[str, ...]

    @property
    def params(self) -> int:
        """Values in every array (optimizer and metric state included)."""
        total = 0
        for w in self.weights:
            n = 1
            for d in w.shape:
                n *= d
            total += n
        return total

    @property
    def weight_bytes(self) -> int:
        return sum(w.nbytes for w in self.weights)

    def to_dict(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["metadata"] = dict(self.metadata) if self.metadata is not None else None
        doc["params"] = self.params
        doc["weight_bytes"] = self.weight_bytes
        for layer in doc["layers"]:
            layer["output_shape"] = [list(s) for s in layer["output_shape"]]
        for w in doc["weights"]:
            w["shape"] = list(w["shape"])
        return doc


def inspect(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    hash: bool = False,
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> ModelInfo:
    """Describe a Keras file (any layout kformat reads) without running it.

    Args:
        source: a ``.keras`` path or binary file object, a model directory, a
            ``.weights.h5`` or a sharded ``.weights.json``.
        hash: add the sha256 of every array (reads every weight byte).
        limits: the reader's caps (``kformat.DEFAULT_LIMITS``).
        progress: called with the bytes hashed so far, while hashing.

    Raises:
        KFormatError: the file breaks a rule of the format.
        OSError: the path cannot be opened.
    """
    from kformat._read import read

    archive = read(source, limits=limits)
    name = (
        getattr(source, "name", None)
        if not isinstance(source, (str, os.PathLike))
        else os.fspath(source)
    )
    return inspect_archive(archive, str(name or "<stream>"), hash=hash, progress=progress)


def _generation(archive: KerasArchive) -> weight_paths.Generation:
    version = (archive.metadata or {}).get("keras_version")
    if any(p.startswith("/_layer_checkpoint_dependencies/") for p in archive.groups):
        return "keras2.13"  # the path style wins over a missing or odd version
    return weight_paths.generation_from_version(version if isinstance(version, str) else None)


def inspect_archive(
    archive: KerasArchive,
    file: str = "<archive>",
    *,
    hash: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ModelInfo:
    """:func:`inspect` of an archive already read."""
    config = archive.config or {}
    generation = _generation(archive)
    owners = _owners(config, generation)
    weights = archive.weights
    entries = []
    done = 0
    for path in sorted(weights, key=natural_key):
        if isinstance(weights, WeightMap):
            info = weights.info(path)
            shape, dtype, nbytes = info.shape, info.dtype, info.nbytes
        else:
            arr = weights[path]
            shape, dtype, nbytes = tuple(arr.shape), arr.dtype, int(arr.nbytes)
        digest = None
        if hash:
            digest = _sha256(weights[path], _offset(progress, done))
            done += nbytes
        entries.append(
            WeightEntry(path, _owner(path, owners), str(dtype), tuple(shape), nbytes, digest)
        )
    counts = {e.path: _count(e.shape) for e in entries}
    table = _layer_table(config, generation, counts)
    optimizer = [e for e in entries if e.path.startswith("/optimizer/")]
    compile_config = config.get("compile_config")
    if not isinstance(compile_config, Mapping) or not compile_config:
        compile_config = None  # Keras 3 writes {} for a model never compiled
    return ModelInfo(
        file=file,
        layout=archive.layout,
        metadata=archive.metadata,
        class_name=str(config["class_name"]) if "class_name" in config else None,
        name=_model_name(config),
        writer=_writer(archive, generation),
        layers=table,
        weights=tuple(entries),
        custom_objects=_custom_objects(config),
        compile_config=compile_config,
        optimizer=_optimizer_name(compile_config),
        optimizer_arrays=len(optimizer),
        optimizer_bytes=sum(e.nbytes for e in optimizer),
        assets=tuple(sorted(archive.assets)),
    )


def _count(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


_CHUNK = 8 << 20


def _offset(progress: Callable[[int], None] | None, base: int) -> Callable[[int], None]:
    def report(n: int) -> None:
        if progress is not None:
            progress(base + n)

    return report


def _sha256(arr: Any, progress: Callable[[int], None]) -> str:
    """sha256 of the array's bytes in C order, 8 MiB at a time (a view stays a view)."""
    h = hashlib.sha256()
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.copy().reshape(-1)
    raw = flat.view("uint8") if flat.size else flat.tobytes()
    step = _CHUNK
    for start in range(0, len(raw), step):
        h.update(memoryview(raw[start : start + step]))
        progress(min(start + step, len(raw)))
    return h.hexdigest()


def _owners(
    config: Mapping[str, Any], generation: weight_paths.Generation
) -> list[tuple[str, str]]:
    """(object path, layer qualname) of every layer and nested model, deepest path first."""
    if not weight_paths.is_model_config(config):
        return []
    try:
        objects = weight_paths.object_paths(config, generation)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return []
    names = {id(n.entry): n.qualname for n in model_nodes(config)}
    out = [
        (o.path, names[id(o.config)]) for o in objects if o.parent is None and id(o.config) in names
    ]
    return sorted(out, key=lambda item: -len(item[0]))


def _owner(path: str, owners: list[tuple[str, str]]) -> str | None:
    for prefix, name in owners:
        if path.startswith(prefix + "/"):
            return name
    return None


def _layer_table(
    config: Mapping[str, Any], generation: weight_paths.Generation, counts: Mapping[str, int]
) -> tuple[LayerInfo, ...]:
    paths = {}
    try:
        if weight_paths.is_model_config(config):
            for obj in weight_paths.object_paths(config, generation):
                if obj.parent is None and obj.path:
                    paths[id(obj.config)] = obj.path
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        paths = {}
    rows = []
    for node in model_nodes(config):
        path = paths.get(id(node.entry))
        params = sum(n for p, n in counts.items() if path and p.startswith(path + "/"))
        rows.append(
            LayerInfo(
                node.qualname,
                node.class_name,
                node.output_shapes,
                params,
                node.dtype_policy,
                node.inbound,
                path,
                node.parent,
            )
        )
    return tuple(rows)


def _model_name(config: Mapping[str, Any]) -> str | None:
    inner = config.get("config")
    name = inner.get("name") if isinstance(inner, Mapping) else None
    return name if isinstance(name, str) else None


def _optimizer_name(compile_config: Mapping[str, Any] | None) -> str | None:
    opt = (compile_config or {}).get("optimizer")
    if isinstance(opt, Mapping):
        return str(opt.get("class_name"))
    return opt if isinstance(opt, str) else None


def _custom_objects(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The registered names a loader must supply (the validator's KF306 list,
    from its layer and safety walks; the schema checks are not needed for it)."""
    if not config:
        return ()
    from kformat.validate._layers import layer_entries, layer_issues
    from kformat.validate._safety import safety_issues

    custom: list[str] = []
    for _ in layer_issues(config, custom):
        pass
    layer_ids = {id(entry) for _, entry in layer_entries(config)}
    for _ in safety_issues(config, custom, layer_ids):
        pass
    return tuple(dict.fromkeys(custom))


def _module_style(config: Mapping[str, Any]) -> str | None:
    module = config.get("module")
    return module if isinstance(module, str) else None


def _minor(version: str) -> int:
    parts = version.split(".")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _writer(archive: KerasArchive, generation: weight_paths.Generation) -> WriterInfo:
    evidence: list[str] = []
    version = (archive.metadata or {}).get("keras_version")
    version = version if isinstance(version, str) else None
    config = archive.config or {}
    module = _module_style(config)
    writer = "unknown"
    if version:
        evidence.append(f"metadata.json keras_version is {version}")
        writer = "keras" if not version.startswith(("1.", "2.")) else "tf.keras"
    if module:
        evidence.append(f"the model's module is {module}")
        if module.split(".")[0] == "tf_keras":
            writer = "tf_keras"
        elif module.startswith("keras.src.engine."):
            writer = "tf.keras"  # Keras 2's package layout, bundled with TensorFlow
        elif module.startswith("keras.src.models."):
            writer = "keras"
    if writer == "tf.keras" and version and _minor(version) >= 16:
        writer = "tf_keras"
        evidence.append("Keras 2.16 and later exist only as the tf_keras package")
    if generation == "keras2.13":
        evidence.append(
            "layers are saved under /_layer_checkpoint_dependencies (tf.keras 2.13/2.14)"
        )
    elif any(p.startswith("/layers/") for p in archive.groups):
        evidence.append("layers are saved under /layers")
    if any(p.startswith("/metrics/") for p in archive.groups):
        evidence.append("metric state is saved under /metrics (Keras 2 only)")
    named = any("name" in attrs for attrs in archive.groups.values())
    if named:
        evidence.append("vars groups carry a name attribute (Keras 3.6 or later)")
    nodes = model_nodes(config)
    if nodes:
        layer_module = nodes[-1].entry.get("module")
        if isinstance(layer_module, str) and layer_module.startswith("keras.src.layers."):
            evidence.append(f"layer modules are full paths ({layer_module}: Keras 3.0.0-3.0.x)")
        cfg = nodes[-1].entry.get("config")
        dtype = cfg.get("dtype") if isinstance(cfg, Mapping) else None
        if isinstance(dtype, Mapping) and dtype.get("class_name") == "DTypePolicy":
            evidence.append("dtype policies are DTypePolicy objects (Keras 3; 3.0 writes names)")
    if archive.layout in ("weights_h5", "sharded") and writer == "unknown":
        evidence.append("weights only: no config or metadata to name the writer")
    return WriterInfo(writer, version, generation, tuple(evidence))
