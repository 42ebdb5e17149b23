"""The layer catalogue: one :class:`LayerDef` per Keras layer class (spec §5.9, §6.7, §6.8).

:data:`REGISTRY` is the one read-only table from ``class_name`` to definition.
The validator checks configs and weights against it, ``reference_runtime``
builds and runs layers from it, the TensorFlow bridge exports them from it, and
the spec's layer tables are generated from it. A name found in a file is only
ever compared against this table; nothing is imported by name.

Adding a class is one new module here (see ``dense.py``), listed in
``_MODULES`` below, plus its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kformat.layers import (
    activation,
    adaptive_pooling,
    attention,
    augment_pipelines,
    batch_normalization,
    categorical,
    center_crop,
    cropping,
    dense,
    dropout,
    einsum_dense,
    elu,
    embedding,
    global_pooling,
    group_normalization,
    grouped_query_attention,
    identity,
    image_adjust,
    input_layer,
    lambda_layer,
    layer_normalization,
    masking,
    merging,
    multi_head_attention,
    normalization,
    padding,
    pooling,
    prelu,
    random_color,
    random_geometric,
    regularization,
    relu,
    repeat_vector,
    rescaling,
    reshaping,
    resizing,
    rms_normalization,
    softmax,
    spectral_normalization,
    unit_normalization,
    upsampling,
)
from kformat.layers._def import (
    BuiltLayer,
    Field,
    InputShape,
    LayerDef,
    LayerSpec,
    Shape,
    SublayerSpec,
    VariableSpec,
)

__all__ = [
    "ALIASES",
    "REGISTRY",
    "BuiltLayer",
    "Field",
    "InputShape",
    "LayerDef",
    "LayerSpec",
    "Shape",
    "SublayerSpec",
    "VariableSpec",
    "get",
]

_MODULES = (
    input_layer,
    dense,
    einsum_dense,
    embedding,
    dropout,
    activation,
    prelu,
    batch_normalization,
    layer_normalization,
    rms_normalization,
    multi_head_attention,
    repeat_vector,
    attention,
    categorical,
    grouped_query_attention,
    identity,
    reshaping,
    merging,
    relu,
    softmax,
    lambda_layer,
    pooling,
    global_pooling,
    adaptive_pooling,
    upsampling,
    padding,
    cropping,
    rescaling,
    resizing,
    center_crop,
    random_geometric,
    random_color,
    image_adjust,
    augment_pipelines,
    regularization,
    elu,
    masking,
    group_normalization,
    unit_normalization,
    normalization,
    spectral_normalization,
)


def _build() -> tuple[dict[str, LayerDef], dict[str, str]]:
    table: dict[str, LayerDef] = {}
    aliases: dict[str, str] = {}
    for module in _MODULES:
        for definition in module.DEFINITIONS:
            if definition.class_name in table:
                raise RuntimeError(f"layer class {definition.class_name} is defined twice")
            table[definition.class_name] = definition
            for alias in definition.aliases:
                aliases[alias] = definition.class_name
    clash = set(aliases) & set(table)
    if clash:
        raise RuntimeError(f"aliases shadow classes: {sorted(clash)}")
    return table, aliases


_TABLE, _ALIASES = _build()

#: ``class_name`` -> definition. Read-only.
REGISTRY: Mapping[str, LayerDef] = MappingProxyType(_TABLE)
#: exported alias (``MaxPool2D``) -> the ``class_name`` it stands for. Read-only.
ALIASES: Mapping[str, str] = MappingProxyType(_ALIASES)


def get(class_name: str) -> LayerDef | None:
    """The definition of ``class_name`` or of the class an alias names, else ``None``."""
    found = REGISTRY.get(class_name)
    if found is None and class_name in ALIASES:
        found = REGISTRY[ALIASES[class_name]]
    return found
