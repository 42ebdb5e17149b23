"""``ZeroPadding1D/2D/3D`` (``keras/src/layers/reshaping/zero_padding{1,2,3}d.py``):
zeros added before and after each spatial axis.

``padding`` is saved as ``(before, after)`` for 1-D and as one such pair per
axis for 2-D and 3-D; the constructor also takes one int for every side, or one
int per axis (2-D/3-D). Before Keras 3, ``ZeroPadding1D`` saved no ``data_format``.
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
    pairs,
    pairs_field,
    spatial_axes,
    to_tuple,
    with_spatial,
)

__all__ = ["DEFINITIONS", "amounts"]


def amounts(value: Any, rank: int) -> tuple[tuple[int, int], ...] | None:
    """Per-axis ``(before, after)`` of a raw ``padding``/``cropping`` value, or ``None``."""
    if rank == 1:
        pair = to_tuple(value, 2, 0)
        return None if pair is None else ((pair[0], pair[1]),)
    return pairs(value, rank)


def _output_shape(rank: int) -> Callable[[Mapping[str, Any], Shape], Shape | None]:
    def output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
        pads = amounts(config.get("padding"), rank)
        first = channels_first(config)
        if pads is None or first is None or len(shape) != rank + 2:
            return None
        axes = spatial_axes(rank, first)
        dims = tuple(
            None if shape[a] is None else shape[a] + sum(p)  # type: ignore[operator]
            for a, p in zip(axes, pads, strict=True)
        )
        return with_spatial(shape, axes, dims)

    return output_shape


def _widths(layer: Any, rank: int) -> list[tuple[int, int]]:
    pads = amounts(layer.padding, rank)
    assert pads is not None  # checked by the constructor
    width = [(0, 0)] * (rank + 2)
    for axis, p in zip(
        spatial_axes(rank, layer.data_format == "channels_first"), pads, strict=True
    ):
        width[axis] = p
    return width


def _forward(rank: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def call(layer: Any, inputs: Any) -> Any:
        """NumPy forward pass."""
        x = np.asarray(inputs)
        if x.ndim != rank + 2:
            raise ValueError(f"{layer.name}: expected an input of rank {rank + 2}, got {x.shape}")
        return np.pad(x, _widths(layer, rank))

    def tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
        """TensorFlow twin of the forward pass."""
        return ctx.tf.pad(inputs, _widths(layer, rank))

    return call, tf_call


_DEFAULTS: dict[int, Any] = {2: [[1, 1], [1, 1]], 3: [[1, 1], [1, 1], [1, 1]]}


def _definition(rank: int) -> LayerDef:
    call, tf_call = _forward(rank)
    padding = int_tuple_field(2, [1, 1], lo=0) if rank == 1 else pairs_field(rank, _DEFAULTS[rank])
    return LayerDef(
        class_name=f"ZeroPadding{rank}D",
        source=f"keras/src/layers/reshaping/zero_padding{rank}d.py",
        fields={"padding": padding, "data_format": data_format_field()},
        call=call,
        tf_call=tf_call,
        output_shape=_output_shape(rank),
        summary=f"zeros before and after each of the {rank} spatial axes",
    )


DEFINITIONS = tuple(_definition(rank) for rank in (1, 2, 3))
