"""TensorFlow-op layers of Keras 2 and the ``keras.ops`` operations that replace them.

tf.keras / tf_keras record ``x + 1.0`` on symbolic tensors as a ``TFOpLambda``
layer naming the TensorFlow function (``"function": "math.multiply"``), whose
node is the bare entry ``["x", 0, 0, {"y": ..., "name": null}]`` (spec §5.4).
Keras 3 records the same as an operation entry of module
``keras.src.ops.numpy`` (``keras/src/ops/numpy.py``: ``Add``, ``Multiply`` …)
with positional arguments (spec §5.3). Only functions whose Keras 3 operation
computes the same thing elementwise are mapped; anything else is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["OPERATIONS", "broadcast", "operation_entry"]

#: TensorFlow function (``TFOpLambda.function``) -> (Keras 3 class in
#: ``keras.src.ops.numpy``, TensorFlow argument names in positional order).
OPERATIONS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "__operators__.add": ("Add", ("x", "y")),
        "math.add": ("Add", ("x", "y")),
        "math.subtract": ("Subtract", ("x", "y")),
        "math.multiply": ("Multiply", ("x", "y")),
        "math.truediv": ("TrueDivide", ("x", "y")),
        "math.divide": ("TrueDivide", ("x", "y")),
        "math.maximum": ("Maximum", ("x", "y")),
        "math.minimum": ("Minimum", ("x", "y")),
        "math.pow": ("Power", ("x", "y")),
        "math.negative": ("Negative", ("x",)),
        "math.abs": ("Absolute", ("x",)),
        "math.exp": ("Exp", ("x",)),
        "math.log": ("Log", ("x",)),
        "math.sqrt": ("Sqrt", ("x",)),
        "math.square": ("Square", ("x",)),
        "math.tanh": ("Tanh", ("x",)),
    }
)


def operation_entry(class_name: str, name: str) -> dict[str, Any]:
    """A Keras 3 operation entry (without ``name`` / ``inbound_nodes``)."""
    return {
        "module": "keras.src.ops.numpy",
        "class_name": class_name,
        "config": {"name": name},
        "registered_name": class_name,
    }


def broadcast(shapes: list[list[Any]]) -> list[Any] | None:
    """The NumPy broadcast of symbolic shapes (``None`` dims stay unknown), or
    ``None`` when two known sizes disagree."""
    rank = max(len(s) for s in shapes)
    out: list[Any] = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            return None
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return out
