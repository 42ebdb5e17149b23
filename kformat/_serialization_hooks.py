"""What a runtime plugs into :mod:`kformat.serialization` (spec §4.1, §9): the
:class:`Registry` of custom classes and functions under ``"package>name"``, and the
:class:`Hooks` that supply its built-ins and build its objects.

Kept apart from the encoder and decoder, which only consult them; both names are
re-exported by :mod:`kformat.serialization`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["DEFAULT_PACKAGE", "Hooks", "Parts", "Registry", "registered_name"]

DEFAULT_PACKAGE = "Custom"
_T = TypeVar("_T")
Parts = tuple[str | int, ...]


class Registry:
    """Registered custom objects keyed by ``"package>name"`` (spec §4.2).

    ``objects`` is the live mapping (``objects.clear()`` unregisters all).
    """

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}
        self._names: dict[int, str] = {}

    def register(
        self, package: str = DEFAULT_PACKAGE, name: str | None = None
    ) -> Callable[[_T], _T]:
        """Decorator storing ``obj`` as ``package>name`` (name defaults to ``__name__``).

        Raises:
            ValueError: an empty package or one holding ``>``; a class without
                ``get_config`` (as ``keras.saving.register_keras_serializable``).
        """
        if not isinstance(package, str) or ">" in package or not package:
            raise ValueError(f"package must be a non-empty string without '>', got {package!r}")

        def decorator(obj: _T) -> _T:
            key = f"{package}>{name if name is not None else getattr(obj, '__name__', repr(obj))}"
            if isinstance(obj, type) and not hasattr(obj, "get_config"):
                raise ValueError(f"cannot register {obj!r}: a class needs a get_config() method")
            self.objects[key] = obj
            self._names[id(obj)] = key
            return obj

        return decorator

    def get(self, key: str) -> Any:
        return self.objects.get(key)

    def name_of(self, obj: Any) -> str | None:
        """``package>name`` of ``obj`` while it is still registered under it."""
        key = self._names.get(id(obj))
        return key if key is not None and self.objects.get(key) is obj else None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.objects)

    def clear(self) -> None:
        self.objects.clear()
        self._names.clear()


class Hooks:
    """What a runtime adds to (de)serialization; the base class adds nothing.

    Serializing: :meth:`encode` (values of the runtime's own types) and
    :meth:`class_identity` (how a built-in class is named). Deserializing:
    :meth:`builtin` (the runtime's built-in classes and functions),
    :meth:`named` (a bare string naming an object), :meth:`build` (turn a
    resolved class and its serialized dict into an object) and
    :meth:`missing` (the message for an unresolved name).
    """

    #: Whether :meth:`build` gets the decoded config (``True``) or the raw one,
    #: as Keras hands it to ``from_config``, which deserializes its own parts.
    decode_config = True

    def encode(self, value: Any) -> Any:
        """The JSON form of ``value``, or ``NotImplemented`` to serialize it generically."""
        return NotImplemented

    def class_identity(self, cls: type) -> tuple[str | None, str, str | None] | None:
        """``(module, class_name, registered_name)`` of a built-in class, else ``None``."""
        return None

    def builtin(self, kind: str, name: str, module: str | None) -> Any:
        """The built-in ``kind`` (``"class"`` / ``"function"``) called ``name``, or ``None``."""
        return None

    def named(self, value: str) -> Any:
        """What a plain string leaf stands for (itself unless the runtime says otherwise)."""
        return value

    def build(self, cls: Any, entry: Mapping[str, Any], config: Any, parts: Parts) -> Any:
        """An instance of ``cls`` from ``config``: ``entry["config"]`` (``{}`` for
        null), decoded unless :attr:`decode_config` is false; ``parts`` locate
        ``entry`` in the document."""
        from_config = getattr(cls, "from_config", None)
        if from_config is not None:
            return from_config(config)
        return cls(**config)

    def missing(self, kind: str, entry: Mapping[str, Any]) -> str | None:
        """The message for an unresolved class or function (``None``: the default)."""
        return None


_NO_HOOKS = Hooks()


def registered_name(obj: Any, registry: Registry | None = None) -> str:
    """``package>name`` for a registered object, else its ``__name__``."""
    found = registry.name_of(obj) if registry is not None else None
    if found is not None:
        return found
    target = (
        obj if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__")) else type(obj)
    )
    return str(getattr(target, "__name__", type(obj).__name__))
