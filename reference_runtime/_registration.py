"""Custom object registration (``keras-team/keras: keras/src/saving/object_registration.py``).

``register_keras_serializable(package, name)`` stores an object under
``"package>name"`` in :data:`GLOBAL_CUSTOM_OBJECTS` (the live mapping of one
:class:`kformat.serialization.Registry`); ``custom_object_scope``
adds objects for the duration of a ``with`` block. These are the only ways
the loader finds a class that is not built in: nothing named in a file is
imported.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from kformat.serialization import Registry

__all__ = [
    "GLOBAL_CUSTOM_OBJECTS",
    "REGISTRY",
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]

_T = TypeVar("_T")

#: The objects :func:`register_keras_serializable` registered.
REGISTRY = Registry()
#: ``"package>name"`` -> object, filled by :func:`register_keras_serializable`.
GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = REGISTRY.objects
_SCOPE: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "custom_scope", default=MappingProxyType({})
)


class CustomObjectScope:
    """Context manager making ``custom_objects`` visible to deserialization.

    Example::

        with custom_object_scope({"MyLayer": MyLayer}):
            model = load_model("model.keras")
    """

    def __init__(self, custom_objects: Mapping[str, Any] | None = None) -> None:
        self.custom_objects = dict(custom_objects or {})
        self._token: contextvars.Token[Mapping[str, Any]] | None = None

    def __enter__(self) -> CustomObjectScope:
        self._token = _SCOPE.set({**_SCOPE.get(), **self.custom_objects})
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _SCOPE.reset(self._token)


custom_object_scope = CustomObjectScope


def scope_objects() -> Mapping[str, Any]:
    """Objects of the innermost active :class:`CustomObjectScope`."""
    return _SCOPE.get()


def get_custom_objects() -> dict[str, Any]:
    """The live global registry (``.clear()`` empties it, as in the guide)."""
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(
    package: str = "Custom", name: str | None = None
) -> Callable[[_T], _T]:
    """Decorator registering a class or function as ``"package>name"``.

    Args:
        package: the package part (default ``"Custom"``).
        name: the name part (default the object's ``__name__``).

    Raises:
        ValueError: a class without ``get_config``; an empty package or one
            holding ``>`` (its registered name would be ambiguous).
    """
    return REGISTRY.register(package, name)


def get_registered_name(obj: Any) -> str:
    """``"package>name"`` for a registered object, else its ``__name__``."""
    key = REGISTRY.name_of(obj)
    return key if key is not None else str(getattr(obj, "__name__", type(obj).__name__))


def is_registered(obj: Any) -> bool:
    """Whether ``obj`` was registered with :func:`register_keras_serializable`."""
    return REGISTRY.name_of(obj) is not None


def get_registered_object(
    name: str,
    custom_objects: Mapping[str, Any] | None = None,
    module_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Look ``name`` up in the scope, the global registry, ``custom_objects``, ``module_objects``."""
    for source in (_SCOPE.get(), GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in source:
            return source[name]
    return None
