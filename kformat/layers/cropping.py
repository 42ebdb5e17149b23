"""``Cropping1D/2D/3D`` (``keras/src/layers/reshaping/cropping{1,2,3}d.py``):
positions removed before and after each spatial axis.

``cropping`` takes the forms ``ZeroPadding``'s ``padding`` takes and is saved
the same way; Keras refuses a crop that leaves an axis empty. ``Cropping1D``
has no ``data_format``: its steps are always axis 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.layers._def import LayerDef, Shape
from kformat.layers._spatial import (
    channels_first,
    data_format_field,
    int_tuple_field,
    pairs_field,
    spatial_axes,
    with_spatial,
)
from kformat.layers.padding import amounts

__all__ = ["DEFINITIONS"]


def _first(config: Mapping[str, Any], rank: int) -> bool | None:
    return False if rank == 1 else channels_first(config)


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        crops = amounts(config.get("cropping"), rank)
        first = _first(config, rank)
        if crops is None or first is None or len(shape) != rank + 2:
            return None
        axes = spatial_axes(rank, first)
        dims: list[int | None] = []
        for a, (before, after) in zip(axes, crops, strict=True):
            size = shape[a]
            if size is not None and size - before - after <= 0:
                return None  # Keras refuses to build it
            dims.append(None if size is None else size - before - after)
        return with_spatial(shape, axes, tuple(dims))

    return output_shape


def _index(layer: Any, rank: int, shape: Any) -> tuple[slice, ...]:
    crops = amounts(layer.cropping, rank)
    assert crops is not None  # checked by the constructor
    first = rank > 1 and layer.data_format == "channels_first"
    index = [slice(None)] * (rank + 2)
    for a, (before, after) in zip(spatial_axes(rank, first), crops, strict=True):
        size = shape[a]
        if size is not None and size - before - after <= 0:
            raise ValueError(
                f"{layer.name}: cropping {layer.cropping} must leave every spatial axis "
                f"non-empty, got input shape {tuple(shape)}"
            )
        index[a] = slice(before, -after if after else None)
    return tuple(index)


def _forward(rank: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass (a view of the input, as Keras' slicing)."""
        x = np.asarray(inputs)
        if x.ndim != rank + 2:
            raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")
        return x[_index(layer, rank, x.shape)]

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin of the forward pass."""
        return inputs[_index(layer, rank, inputs.shape)]

    return call, tf_call


_DEFAULTS: dict[int, Any] = {2: [[0, 0], [0, 0]], 3: [[1, 1], [1, 1], [1, 1]]}


def _definition(rank: int) -> LayerDef:
    call, tf_call = _forward(rank)
    fields = (
        {"cropping": int_tuple_field(2, [1, 1], lo=0)}
        if rank == 1
        else {"cropping": pairs_field(rank, _DEFAULTS[rank]), "data_format": data_format_field()}
    )
    return LayerDef(
        class_name=f"Cropping{rank}D",
        source=f"keras/src/layers/reshaping/cropping{rank}d.py",
        fields=fields,
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        summary=f"removes positions before and after each of the {rank} spatial axes",
    )


DEFINITIONS = tuple(_definition(rank) for rank in (1, 2, 3))
