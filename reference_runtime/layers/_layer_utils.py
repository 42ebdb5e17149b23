"""Helpers of :mod:`reference_runtime.layers.layer`: names, build recording, shapes."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from reference_runtime._backend import auto_name as _unique_name
from reference_runtime._backend import flatten
from reference_runtime._config_object import snake

if TYPE_CHECKING:
    from reference_runtime.layers.layer import Layer

__all__ = ["auto_name"]


def auto_name(class_name: str) -> str:
    """Keras's default object name: snake case plus a per-session counter
    (``reference_runtime.clear_session()`` restarts it)."""
    return _unique_name(snake(class_name))


def _basic(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_basic(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _basic(v) for k, v in value.items())
    return False


def _wrap_build(build: Callable[..., None]) -> Callable[..., None]:
    signature = inspect.signature(build)

    def build_wrapper(self: Layer, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        # Layer.__new__ build_wrapper: record the build arguments for build_config.
        bound = signature.bind(self, *args, **kwargs).arguments
        bound.pop(next(iter(signature.parameters)))
        self._build_shapes_dict = dict(bound)
        self.built = True

    build_wrapper.__wrapped__ = build  # type: ignore[attr-defined]
    build_wrapper.__doc__ = build.__doc__
    return build_wrapper


def _is_tensor_arg(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, (list, tuple, dict)) and len(value) > 0:
        leaves = flatten(value)
        return all(x is None or isinstance(x, np.ndarray) for x in leaves) and any(
            isinstance(x, np.ndarray) for x in leaves
        )
    return False


def _shape_of(x: Any) -> Any:
    if x is None:
        return None
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else tuple(np.shape(x))


def _tuple_shape(shape: Any) -> Any:
    if shape is None:
        return None
    if _is_shape(shape):
        return tuple(shape)
    if isinstance(shape, dict):
        return {k: _tuple_shape(v) for k, v in shape.items()}
    return [_tuple_shape(s) for s in shape]


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value
    )


def _jsonable_shape(shape: Any) -> Any:
    if shape is None:
        return None
    if _is_shape(shape):
        return list(shape)
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    return [_jsonable_shape(s) for s in shape]
