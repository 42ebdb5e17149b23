"""Iterative walks over a parsed config tree (no recursion: depth is untrusted).

The strict JSON reader already caps the depth (``Limits.max_json_depth``), but
the validator may be handed any dict by a caller, so every walk here uses an
explicit stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import compress
from operator import not_
from typing import Any

from kformat._json import pointer

__all__ = [
    "NUMBERS",
    "SCALARS",
    "Parts",
    "is_serialized_object",
    "iter_nodes",
    "iter_objects",
    "ptr",
]

Parts = tuple[str | int, ...]


def ptr(parts: Sequence[str | int]) -> str:
    """The RFC 6901 pointer of ``parts``."""
    return pointer(list(parts))


def is_serialized_object(node: object) -> bool:
    """A JSON object Keras' deserializer treats as an object: it has both
    ``class_name`` and ``config`` (serialization_lib.py ``deserialize_keras_object``)."""
    return isinstance(node, Mapping) and "class_name" in node and "config" in node


def iter_nodes(
    root: Any,
    base: Parts = (),
    *,
    leaves: Callable[[str | int, Any], bool] | None = None,
    skip: frozenset[type] = frozenset(),
) -> Iterator[tuple[Parts, Any, str | int | None]]:
    """Yield ``(parts, value, key)`` for every value of the tree, depth first in
    document order; ``key`` is the key or index the value has in its parent.
    With ``leaves``, a value that is neither an object nor an array is yielded
    only when ``leaves(key, value)`` is true (its path is not even built: a
    walk that needs only some leaves stays cheap on millions of numbers).
    Array members whose type is in ``skip`` are dropped before the walk sees
    them, at C speed (a config may hold a million numbers in one array).

    The stack holds one iterator per open container (as deep as the tree),
    never one entry per pending value, so memory stays proportional to the
    depth however many values a container holds.
    """
    yield base, root, None
    if not isinstance(root, (Mapping, list)):
        return
    stack: list[tuple[Parts, Iterator[tuple[Any, Any]]]] = [(base, _items(root, skip))]
    while stack:
        prefix, items = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        key, node = item
        if type(node) in SCALARS:  # the common case, without an ABC check
            if leaves is None or leaves(key, node):
                yield (*prefix, key), node, key
        elif isinstance(node, (Mapping, list)):
            parts = (*prefix, key)
            yield parts, node, key
            stack.append((parts, _items(node, skip)))
        elif leaves is None or leaves(key, node):
            yield (*prefix, key), node, key


#: The types of JSON scalars.
SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})
#: JSON scalars other than strings.
NUMBERS: frozenset[type] = frozenset({int, float, bool, type(None)})


def _no_leaves(key: str | int, value: Any) -> bool:
    return False


def _items(node: Any, skip: frozenset[type]) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, Mapping):
        return iter(node.items())
    if skip:
        return compress(enumerate(node), map(not_, map(skip.__contains__, map(type, node))))
    return enumerate(node)


def iter_objects(root: Any, base: Parts = ()) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """Yield ``(parts, object)`` for every serialized object in the tree."""
    for parts, node, _ in iter_nodes(root, base, leaves=_no_leaves, skip=SCALARS):
        if is_serialized_object(node):
            yield parts, node
