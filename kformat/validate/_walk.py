"""Iterative walks over a parsed config tree (no recursion: depth is untrusted).

The strict JSON reader already caps the depth (``Limits.max_json_depth``), but
the validator may be handed any dict by a caller, so every walk here uses an
explicit stack.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kformat._json import pointer

__all__ = ["Parts", "is_serialized_object", "iter_nodes", "iter_objects", "ptr"]

Parts = tuple[str | int, ...]


def ptr(parts: Sequence[str | int]) -> str:
    """The RFC 6901 pointer of ``parts``."""
    return pointer(list(parts))


def is_serialized_object(node: object) -> bool:
    """A JSON object Keras' deserializer treats as an object: it has both
    ``class_name`` and ``config`` (serialization_lib.py ``deserialize_keras_object``)."""
    return isinstance(node, Mapping) and "class_name" in node and "config" in node


def iter_nodes(root: Any, base: Parts = ()) -> Iterator[tuple[Parts, Any, str | int | None]]:
    """Yield ``(parts, value, key)`` for every value of the tree, depth first in
    document order; ``key`` is the key or index the value has in its parent."""
    stack: list[tuple[Parts, Any, str | int | None]] = [(base, root, None)]
    while stack:
        parts, node, key = stack.pop()
        yield parts, node, key
        if isinstance(node, Mapping):
            items = [((*parts, k), v, k) for k, v in node.items()]
            stack.extend(reversed(items))
        elif isinstance(node, list):
            stack.extend(reversed([((*parts, i), v, i) for i, v in enumerate(node)]))


def iter_objects(root: Any, base: Parts = ()) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """Yield ``(parts, object)`` for every serialized object in the tree."""
    for parts, node, _ in iter_nodes(root, base):
        if is_serialized_object(node):
            yield parts, node
