"""Symbolic tensors and call nodes for building Functional models.

``KerasTensor`` mirrors ``keras-team/keras: keras/src/backend/common/keras_tensor.py``
(shape, dtype, and ``_keras_history = (layer, node_index, tensor_index)``);
``Node`` mirrors ``keras/src/ops/node.py``: one call of a layer on symbolic
arguments, kept on the layer's ``_inbound_nodes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from reference_runtime._backend import auto_name, flatten, standardize_dtype

if TYPE_CHECKING:
    from reference_runtime.layers.layer import Layer

__all__ = ["History", "KerasTensor", "Node", "any_symbolic"]


class History(NamedTuple):
    """Where a symbolic tensor came from: the layer, its call index, the output index."""

    operation: Layer
    node_index: int
    tensor_index: int


class KerasTensor:
    """A symbolic placeholder: a shape (``None`` = unknown) and a dtype.

    Args:
        shape: the shape, batch dimension included.
        dtype: a Keras dtype name.
        name: optional name (Keras names these ``keras_tensor_N``).
    """

    def __init__(
        self,
        shape: tuple[int | None, ...] | list[int | None],
        dtype: Any = "float32",
        name: str | None = None,
        sparse: bool = False,
    ) -> None:
        self.shape: tuple[int | None, ...] = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.sparse = sparse
        self.name = name if name is not None else auto_name("keras_tensor")
        self._keras_history: History | None = None

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "a symbolic KerasTensor has no value: build a Model from it and call the model"
        )


class Node:
    """One call of ``operation`` on symbolic arguments.

    Attributes:
        operation: the layer called.
        call_args: positional arguments as passed (``KerasTensor`` leaves).
        call_kwargs: keyword arguments as passed.
        outputs: the symbolic outputs (structure as returned).
        arguments: the ``KerasTensor`` leaves of the arguments, in order.
    """

    def __init__(
        self,
        operation: Layer,
        call_args: tuple[Any, ...],
        call_kwargs: dict[str, Any],
        outputs: Any,
    ) -> None:
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.arguments = [
            x for x in flatten([list(call_args), call_kwargs]) if isinstance(x, KerasTensor)
        ]
        index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, out in enumerate(flatten(outputs)):
            if isinstance(out, KerasTensor):
                out._keras_history = History(operation, index, i)

    @property
    def is_input(self) -> bool:
        """Whether this is an InputLayer's own node (no arguments)."""
        return not self.arguments

    @property
    def parent_nodes(self) -> list[Node]:
        """Nodes that produced this node's arguments."""
        parents = []
        for x in self.arguments:
            history = x._keras_history
            if history is not None:
                parents.append(history.operation._inbound_nodes[history.node_index])
        return parents


def any_symbolic(*structures: Any) -> bool:
    """Whether any leaf is a symbolic :class:`KerasTensor`."""
    return any(isinstance(leaf, KerasTensor) for s in structures for leaf in flatten(s))
