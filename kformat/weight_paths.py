"""Where each object of a model keeps its weights in the H5 tree (spec §6.5, §6.7, §13).

Pure functions over plain data: a serialized model config goes in, HDF5 group
paths come out. No h5py, no NumPy. The validator and ``reference_runtime`` both
use this module, so it holds the naming rule exactly once:

* a child of a Sequential / Functional model sits at ``layers/<snake_case(class)>``
  with a per-container counter (``dense``, ``dense_1``, …);
* a Sequential model omits its ``InputLayer``; a Functional model lists every
  ``InputLayer`` (``keras-team/keras: keras/src/models/sequential.py``, ``layers``);
* sub-layers of built-in composite layers sit at their attribute names
  (``multi_head_attention/query_dense``), taken from :mod:`kformat.layer_specs`;
* an object's datasets are in ``<path>/vars`` (the model root: ``/vars``).

Generations (``keras-team/keras: keras/src/saving/saving_lib.py``
``_save_container_state``; ``keras-team/tf-keras: tf_keras/saving/saving_lib.py``):

* ``"keras3"`` — Keras 3.0.3 and later. The container counter advances for
  every saveable element, including ones already saved elsewhere.
* ``"keras3.0"`` — Keras 3.0.0-3.0.2: as ``"keras3"`` but MultiHeadAttention
  keeps its sub-layers at the private attributes (``_query_dense``, …).
* ``"keras2"`` — tf.keras 2.15 and tf_keras: elements already saved are
  skipped *before* counting; private MHA attributes; the Keras 2 snake case.
* ``"keras2.13"`` — tf.keras 2.13/2.14: as ``"keras2"`` with the model's
  children under ``_layer_checkpoint_dependencies`` instead of ``layers``.

Every :class:`ObjectPath` also lists read-side ``aliases``, the other places
Keras 3.15 looks when the first one is missing (``H5IOStore.get`` retries with
``layers`` replaced by ``_layer_checkpoint_dependencies``; the retry-on-failure
walk of ``_load_state`` finds MHA sub-layers at ``_query_dense``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from kformat import layer_specs

__all__ = [
    "MODEL_CLASS_NAMES",
    "PYTHON_CLASS_NAMES",
    "Generation",
    "ObjectPath",
    "generation_from_version",
    "is_model_config",
    "layer_checkpoint_alias",
    "model_layer_entries",
    "object_paths",
    "python_class_name",
    "sublayer_paths",
    "to_snake_case",
    "unique_name",
    "vars_path",
]

Generation = Literal["keras3", "keras3.0", "keras2", "keras2.13"]

#: Config ``class_name`` values that denote a model (a container of layers).
#: ``Model`` is what Keras 2 style files and hand-written configs use for a
#: functional model; Keras 3 instantiates it as ``Functional``.
MODEL_CLASS_NAMES = frozenset({"Sequential", "Functional", "Model"})

#: Config ``class_name`` -> Python class name, where they differ. The H5 path
#: uses the *Python* class name (``type(obj).__name__``), while a config may use
#: an exported alias (``keras/src/layers/__init__.py`` exports both names).
PYTHON_CLASS_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "Model": "Functional",
        "GroupQueryAttention": "GroupedQueryAttention",
        "AvgPool1D": "AveragePooling1D",
        "AvgPool2D": "AveragePooling2D",
        "AvgPool3D": "AveragePooling3D",
        "MaxPool1D": "MaxPooling1D",
        "MaxPool2D": "MaxPooling2D",
        "MaxPool3D": "MaxPooling3D",
        "GlobalAvgPool1D": "GlobalAveragePooling1D",
        "GlobalAvgPool2D": "GlobalAveragePooling2D",
        "GlobalAvgPool3D": "GlobalAveragePooling3D",
        "GlobalMaxPool1D": "GlobalMaxPooling1D",
        "GlobalMaxPool2D": "GlobalMaxPooling2D",
        "GlobalMaxPool3D": "GlobalMaxPooling3D",
        "Convolution1D": "Conv1D",
        "Convolution2D": "Conv2D",
        "Convolution3D": "Conv3D",
        "Convolution1DTranspose": "Conv1DTranspose",
        "Convolution2DTranspose": "Conv2DTranspose",
        "Convolution3DTranspose": "Conv3DTranspose",
        "SeparableConvolution1D": "SeparableConv1D",
        "SeparableConvolution2D": "SeparableConv2D",
    }
)

# Keras 3 operations (``keras.ops.add`` on symbolic tensors) appear in a
# Functional config's ``layers`` but are not in ``model.layers`` and own no H5
# group (spec §5.3).
_OPERATION_MODULE_PREFIXES = ("keras.src.ops", "keras.ops")


def to_snake_case(class_name: str, *, keras2: bool = False) -> str:
    """The H5 group name Keras derives from a Python class name.

    Keras 3 (``keras/src/utils/naming.py``): drop non-word characters, ``_``
    before each capitalised word, ``_`` between lower and upper case, lower.
    Keras 2 (``tf_keras/src/utils/generic_utils.py``, tf.keras 2.14 and tf_keras
    2.21 alike) keeps non-word characters and prefixes a leading ``_`` with
    ``private``; the word rules are the same (``ConvLSTM2D -> conv_lstm2d``).

    Examples: ``Dense -> dense``, ``ReLU -> re_lu``, ``Conv2DTranspose ->
    conv2d_transpose``, ``MultiHeadAttention -> multi_head_attention``.
    """
    if keras2:
        name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", class_name)
        name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
        return name if not name.startswith("_") else "private" + name
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def python_class_name(class_name: str) -> str:
    """The Python class Keras instantiates for a config ``class_name``."""
    return PYTHON_CLASS_NAMES.get(class_name, class_name)


def generation_from_version(keras_version: str | None) -> Generation:
    """Map ``metadata.json``'s ``keras_version`` to a path generation.

    Unknown or missing versions give ``"keras3"`` (the current layout); the
    reader's aliases still find older layouts.
    """
    if not keras_version:
        return "keras3"
    parts = re.findall(r"\d+", keras_version)
    nums = [int(p) for p in parts[:3]] + [0, 0, 0]
    major, minor, patch = nums[0], nums[1], nums[2]
    if major <= 2:
        return "keras2.13" if (major, minor) in ((2, 13), (2, 14)) else "keras2"
    if (major, minor) == (3, 0) and patch <= 2:
        return "keras3.0"
    return "keras3"


def is_model_config(entry: Mapping[str, Any]) -> bool:
    """Whether a serialized object is a Sequential or Functional model."""
    return entry.get("class_name") in MODEL_CLASS_NAMES


def _is_operation(entry: Mapping[str, Any]) -> bool:
    module = entry.get("module")
    return isinstance(module, str) and module.startswith(_OPERATION_MODULE_PREFIXES)


def model_layer_entries(model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The serialized layers of a model in ``model.layers`` order.

    Sequential drops a leading ``InputLayer`` (``Sequential.layers``);
    Functional keeps every entry except non-layer operations.
    """
    config = model.get("config")
    if not isinstance(config, Mapping):
        return []
    layers = config.get("layers")
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        return []
    entries = [e for e in layers if isinstance(e, Mapping) and not _is_operation(e)]
    if (
        model.get("class_name") == "Sequential"
        and entries
        and entries[0].get("class_name") == "InputLayer"
    ):
        entries = entries[1:]
    return entries


def vars_path(path: str) -> str:
    """The group holding an object's datasets: ``"/layers/dense" -> "/layers/dense/vars"``."""
    return f"{path}/vars" if path else "/vars"


def layer_checkpoint_alias(path: str) -> str:
    """The Keras 2.13/2.14 spelling of ``path`` (``H5IOStore.get``: every ``layers``
    substring replaced by ``_layer_checkpoint_dependencies``)."""
    return path.replace("layers", "_layer_checkpoint_dependencies")


@dataclass(frozen=True)
class ObjectPath:
    """One object that owns a ``vars`` group.

    Attributes:
        path: the object path, ``""`` for the model root, else ``"/layers/dense"``;
            the datasets are in :func:`vars_path` of it.
        class_name: the config ``class_name`` (``"Dense"``).
        name: the object's Keras name (the ``name`` attribute Keras 3.6+ writes
            on the ``vars`` group).
        config: the serialized object (``{"class_name", "config", ...}``) for
            layers and models, or the sub-layer config for sub-layers.
        parent: the path of the owning layer for sub-layers, else ``None``.
        attr: the attribute name for sub-layers (``"query_dense"``), else ``None``.
        aliases: other paths a reader should try, in order, when ``path`` is
            absent from the file.
    """

    path: str
    class_name: str
    name: str
    config: Mapping[str, Any]
    parent: str | None = None
    attr: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def vars(self) -> str:
        """The ``vars`` group of this object."""
        return vars_path(self.path)


def _inner_config(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    cfg = entry.get("config")
    return cfg if isinstance(cfg, Mapping) else {}


def _entry_name(entry: Mapping[str, Any]) -> str:
    name = _inner_config(entry).get("name", entry.get("name"))
    return name if isinstance(name, str) else ""


def object_paths(model: Mapping[str, Any], generation: Generation = "keras3") -> list[ObjectPath]:
    """Every object of a model that owns a ``vars`` group, in save order.

    Args:
        model: the serialized model (the content of ``config.json``): a dict
            with ``class_name`` ``Sequential``, ``Functional`` or ``Model``.
        generation: which Keras wrote (or will read) the file; see the module
            docstring. Decides counters, MHA attribute names and the
            ``_layer_checkpoint_dependencies`` prefix.

    Returns:
        The root model first (path ``""``), then each layer depth first with its
        sub-layers, as Keras's writer visits them. Shared objects (same
        ``shared_object_id``) appear once, at their first path.
    """
    if not is_model_config(model):
        raise ValueError(
            f"expected a Sequential or Functional model config, got {model.get('class_name')!r}"
        )
    out: list[ObjectPath] = [
        ObjectPath("", str(model.get("class_name")), _entry_name(model), model)
    ]
    _walk_model(model, "", generation, set(), out)
    return out


def _walk_model(
    model: Mapping[str, Any],
    path: str,
    generation: Generation,
    seen: set[int],
    out: list[ObjectPath],
) -> None:
    keras2 = generation in ("keras2", "keras2.13")
    container = "_layer_checkpoint_dependencies" if generation == "keras2.13" else "layers"
    used: dict[str, int] = {}
    for entry in model_layer_entries(model):
        shared = entry.get("shared_object_id")
        already = isinstance(shared, int) and shared in seen
        if already and keras2:
            continue  # tf-keras skips visited elements before counting
        snake = to_snake_case(python_class_name(str(entry.get("class_name"))), keras2=keras2)
        name = unique_name(snake, used)
        if already:
            continue  # Keras 3 counts the element, then finds it visited
        if isinstance(shared, int):
            seen.add(shared)
        child = f"{path}/{container}/{name}"
        _emit(entry, child, generation, seen, out)


def unique_name(name: str, used: dict[str, int]) -> str:
    """The name of the next element of a container, counted in ``used``
    (``saving_lib._get_unique_name``: first ``dense``, then ``dense_1``, ...)."""
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _aliases(path: str, generation: Generation) -> tuple[str, ...]:
    if generation in ("keras3", "keras3.0") and "layers" in path:
        return (layer_checkpoint_alias(path),)
    return ()


def _emit(
    entry: Mapping[str, Any],
    path: str,
    generation: Generation,
    seen: set[int],
    out: list[ObjectPath],
) -> None:
    class_name = str(entry.get("class_name"))
    out.append(
        ObjectPath(path, class_name, _entry_name(entry), entry, aliases=_aliases(path, generation))
    )
    if is_model_config(entry):
        _walk_model(entry, path, generation, seen, out)
        return
    out.extend(sublayer_paths(class_name, _inner_config(entry), path, generation))


def sublayer_paths(
    class_name: str, config: Mapping[str, Any], path: str, generation: Generation = "keras3"
) -> list[ObjectPath]:
    """The sub-layers a built-in ``class_name`` layer at ``path`` saves, depth first
    (``multi_head_attention/query_dense``; spec §6.7)."""
    out: list[ObjectPath] = []
    for sub in layer_specs.sublayers(class_name, config):
        if _written(sub, generation):
            out.extend(_sublayer_paths(sub, path, generation))
    return out


def _written(sub: layer_specs.SublayerSpec, generation: Generation) -> bool:
    return sub.generations is None or generation in sub.generations


def _sublayer_paths(
    sub: layer_specs.SublayerSpec, parent: str, generation: Generation
) -> Iterator[ObjectPath]:
    legacy = generation in ("keras3.0", "keras2", "keras2.13")
    attr = sub.legacy_attr if legacy and sub.legacy_attr else sub.attr
    path = f"{parent}/{attr}"
    others = [f"{parent}/{a}" for a in (sub.attr, sub.legacy_attr) if a and a != attr]
    aliases = list(others)
    for p in [path, *others]:
        aliases.extend(_aliases(p, generation))
    yield ObjectPath(
        path, sub.class_name, sub.name, sub.config, parent=parent, attr=attr, aliases=tuple(aliases)
    )
    if sub.class_name in MODEL_CLASS_NAMES:
        # A wrapped model (TimeDistributed(Sequential)) keeps its layers under
        # ``<attr>/layers`` as any nested model does.
        nested: list[ObjectPath] = []
        _walk_model(
            {"class_name": sub.class_name, "config": sub.config}, path, generation, set(), nested
        )
        yield from nested
        return
    for inner in layer_specs.sublayers(sub.class_name, sub.config, sub.input_shape):
        if _written(inner, generation):
            yield from _sublayer_paths(inner, path, generation)
