"""Framework-free serialize/deserialize of Keras serialized-object dicts (spec §4.1-§4.3).

A serialized object is ``{"module", "class_name", "config", "registered_name"}``;
special ``class_name`` values encode NumPy arrays, bytes, slices, Ellipsis and
symbolic tensors. Classes and functions are resolved **only** through mappings
the caller passes (``builtins``, ``custom_objects``) and the explicit
:class:`Registry`; nothing named in a document is ever imported, and
``__lambda__`` (marshalled bytecode, CVE-2024-3660) is always refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from kformat._numpy_values import ARRAY_DTYPES, MAX_ARRAY_ELEMENTS, array_problem
from kformat.errors import InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError

__all__ = [
    "ARRAY_DTYPES",
    "DEFAULT_PACKAGE",
    "MAX_ARRAY_ELEMENTS",
    "KerasTensorRef",
    "Registry",
    "array_problem",
    "deserialize",
    "is_serialized_object",
    "registered_name",
    "serialize",
]

DEFAULT_PACKAGE = "Custom"
_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True)
class KerasTensorRef:
    """A ``__keras_tensor__`` leaf: a symbolic tensor in a Functional node."""

    shape: tuple[int | None, ...] | None
    dtype: str | None
    keras_history: tuple[str, int, int] | None


class Registry:
    """Registered custom objects keyed by ``"package>name"`` (spec §4.2)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Any] = {}
        self._names: dict[int, str] = {}

    def register(
        self, package: str = DEFAULT_PACKAGE, name: str | None = None
    ) -> Callable[[_T], _T]:
        """Decorator storing ``obj`` as ``package>name`` (name defaults to ``__name__``)."""
        if not isinstance(package, str) or ">" in package or not package:
            raise ValueError(f"package must be a non-empty string without '>', got {package!r}")

        def decorator(obj: _T) -> _T:
            key = f"{package}>{name or getattr(obj, '__name__', '')}"
            if isinstance(obj, type) and not hasattr(obj, "get_config"):
                raise TypeError(f"cannot register {obj!r}: classes must define get_config()")
            self._by_name[key] = obj
            self._names[id(obj)] = key
            return obj

        return decorator

    def get(self, key: str) -> Any:
        return self._by_name.get(key)

    def name_of(self, obj: Any) -> str | None:
        return self._names.get(id(obj))

    def as_dict(self) -> dict[str, Any]:
        return dict(self._by_name)

    def clear(self) -> None:
        self._by_name.clear()
        self._names.clear()


def registered_name(obj: Any, registry: Registry | None = None) -> str:
    """``package>name`` for a registered object, else its ``__name__``."""
    found = registry.name_of(obj) if registry is not None else None
    if found is not None:
        return found
    target = (
        obj if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__")) else type(obj)
    )
    return str(getattr(target, "__name__", type(obj).__name__))


def is_serialized_object(value: Any) -> bool:
    """Keras treats a dict holding both ``class_name`` and ``config`` as an
    object (serialization_lib.py deserialize_keras_object)."""
    return isinstance(value, dict) and "class_name" in value and "config" in value


def serialize(value: Any, *, registry: Registry | None = None) -> Any:
    """Turn plain values, NumPy values and registered objects into JSON data.

    Raises:
        TypeError: a value that has no serialized form (e.g. an unregistered
            function, a set).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        return {
            "class_name": "__numpy__",
            "config": {"value": value.tolist(), "dtype": str(value.dtype)},
        }
    if isinstance(value, (bytes, bytearray)):
        return {"class_name": "__bytes__", "config": {"value": bytes(value).decode("utf-8")}}
    if isinstance(value, slice):
        parts = {"start": value.start, "stop": value.stop, "step": value.step}
        return {
            "class_name": "__slice__",
            "config": {k: serialize(v, registry=registry) for k, v in parts.items()},
        }
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, KerasTensorRef):
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(value.shape) if value.shape is not None else None,
                "dtype": value.dtype,
                "keras_history": list(value.keras_history) if value.keras_history else None,
            },
        }
    if isinstance(value, (list, tuple)):
        return [serialize(v, registry=registry) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"dict keys must be strings to serialize, got {k!r}")
            out[k] = serialize(v, registry=registry)
        return out
    name = registry.name_of(value) if registry is not None else None
    if callable(value) and not hasattr(value, "get_config"):
        if name is None:
            raise TypeError(f"cannot serialize function {value!r}: register it first")
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    get_config = getattr(value, "get_config", None)
    if get_config is None:
        raise TypeError(f"cannot serialize {type(value).__name__}: it has no get_config()")
    cls = type(value)
    cls_name = registry.name_of(cls) if registry is not None else None
    return {
        "module": None if cls_name else cls.__module__,
        "class_name": cls.__name__,
        "config": serialize(get_config(), registry=registry),
        "registered_name": cls_name or cls.__name__,
    }


def _special(class_name: str, config: Any, where: str) -> Any:
    cfg = config if isinstance(config, dict) else {}
    if class_name == "__lambda__":
        raise UnsafeArchiveError(
            "__lambda__ holds marshalled Python bytecode and is never deserialized",
            path=where,
            code="KF501",
        )
    if class_name == "__typespec__":
        # Keras resolves a TypeSpec by importing the module it names (rule KF508).
        raise UnsafeArchiveError(
            "__typespec__ names a TensorFlow module to import and is refused",
            path=where,
            code="KF508",
        )
    if class_name in ("__numpy__", "__tensor__"):
        problem = array_problem(config)
        if problem is not None:
            raise UnsafeArchiveError(f"{class_name} {problem}", path=where, code="KF214")
        try:
            if cfg["dtype"] == "bfloat16":
                import ml_dtypes  # the only NumPy dtype of the set NumPy lacks

                return np.asarray(cfg["value"], dtype=ml_dtypes.bfloat16)
            return np.asarray(cfg["value"], dtype=np.dtype(cfg["dtype"]))
        except (TypeError, ValueError, OverflowError, ImportError) as exc:
            raise InvalidArchiveError(
                f"malformed {class_name}: {str(exc)[:200]}", path=where, code="KF214"
            ) from exc
    if class_name == "__bytes__":
        value = cfg.get("value")
        if not isinstance(value, str):
            raise InvalidArchiveError("__bytes__ value must be a string", path=where)
        return value.encode("utf-8")
    if class_name == "__slice__":
        return slice(cfg.get("start"), cfg.get("stop"), cfg.get("step"))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__keras_tensor__":
        shape = cfg.get("shape")
        history = cfg.get("keras_history")
        if isinstance(history, list) and len(history) == 3:
            layer, node, tensor = history
            # Indices come from the file: int() of "1e999" or inf raises
            # ValueError/OverflowError, so only real integers are taken.
            if not (
                isinstance(layer, str)
                and all(isinstance(i, int) and not isinstance(i, bool) for i in (node, tensor))
            ):
                raise InvalidArchiveError(
                    "keras_history must be [layer name, node index, tensor index]",
                    path=f"{where}/config/keras_history",
                    code="KF210",
                )
            if node < 0 or tensor < 0:
                raise InvalidArchiveError(
                    f"keras_history indices must be >= 0, got {node}, {tensor}"[:120],
                    path=f"{where}/config/keras_history",
                    code="KF210",
                )
        return KerasTensorRef(
            tuple(shape) if isinstance(shape, list) else None,
            cfg.get("dtype"),
            (history[0], history[1], history[2])
            if isinstance(history, list) and len(history) == 3
            else None,
        )
    return None


_SPECIALS = frozenset(
    {
        "__lambda__",
        "__typespec__",
        "__numpy__",
        "__tensor__",
        "__bytes__",
        "__slice__",
        "__ellipsis__",
        "__keras_tensor__",
    }
)


def deserialize(
    value: Any,
    *,
    custom_objects: Mapping[str, Any] | None = None,
    builtins: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    _where: str = "",
) -> Any:
    """Rebuild values and objects from JSON data.

    Resolution (never an import): a ``keras*`` module with a null or
    matching ``registered_name`` looks in ``builtins`` (by class name, or the
    function's config string); otherwise ``custom_objects`` then
    ``registry`` by ``registered_name``, then by ``class_name``. Objects are
    built with ``cls.from_config(config)``.

    Raises:
        UnsafeArchiveError: ``__lambda__`` anywhere; a value nested too deep
            for the interpreter (KF203; parsed documents are capped first).
        UnsupportedFeatureError: a class or function nobody registered
            (the message names it and how to provide it).
    """
    if _where == "":
        try:
            return _deserialize(value, custom_objects, builtins, registry, _where)
        except RecursionError as exc:
            raise UnsafeArchiveError(
                "value is nested too deep to deserialize", path="", code="KF203"
            ) from exc
    return _deserialize(value, custom_objects, builtins, registry, _where)


def _deserialize(
    value: Any,
    custom_objects: Mapping[str, Any] | None,
    builtins: Mapping[str, Any] | None,
    registry: Registry | None,
    _where: str,
) -> Any:
    if isinstance(value, list):
        return [
            deserialize(
                v,
                custom_objects=custom_objects,
                builtins=builtins,
                registry=registry,
                _where=f"{_where}/{i}",
            )
            for i, v in enumerate(value)
        ]
    if not isinstance(value, dict):
        return value
    if not is_serialized_object(value):
        return {
            k: deserialize(
                v,
                custom_objects=custom_objects,
                builtins=builtins,
                registry=registry,
                _where=f"{_where}/{k}",
            )
            for k, v in value.items()
        }
    class_name = value["class_name"]
    if not isinstance(class_name, str):
        raise InvalidArchiveError("class_name must be a string", path=f"{_where}/class_name")
    if class_name in _SPECIALS:
        return _special(class_name, value["config"], _where)
    obj = _resolve(value, custom_objects or {}, builtins or {}, registry)
    if obj is None:
        what = value["config"] if class_name == "function" else class_name
        key = value.get("registered_name") or what
        raise UnsupportedFeatureError(
            f"{'function' if class_name == 'function' else 'class'} {what!r} "
            f"(module {value.get('module')!r}) needs a custom object: pass "
            f"custom_objects={{{key!r}: ...}} or register it",
            path=_where,
            code="KF306",
        )
    if class_name == "function":
        return obj
    config = value["config"] if value["config"] is not None else {}
    inner = deserialize(
        config,
        custom_objects=custom_objects,
        builtins=builtins,
        registry=registry,
        _where=f"{_where}/config",
    )
    from_config = getattr(obj, "from_config", None)
    if from_config is not None:
        return from_config(inner)
    if isinstance(inner, dict):
        return obj(**inner)
    raise InvalidArchiveError(f"config of {class_name} must be an object", path=f"{_where}/config")


def _resolve(
    value: dict[str, Any],
    custom: Mapping[str, Any],
    builtins: Mapping[str, Any],
    registry: Registry | None,
) -> Any:
    module = value.get("module")
    class_name = value["class_name"]
    reg = value.get("registered_name")
    name = value["config"] if class_name == "function" else class_name
    if not isinstance(name, str):
        return None
    is_keras = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
    if is_keras and (reg is None or reg == name) and name in builtins:
        return builtins[name]
    if class_name == "function" and module == "builtins" and name in builtins:
        return builtins[name]
    for key in (reg if isinstance(reg, str) and reg != "function" else None, name):
        if key is None:
            continue
        if key in custom:
            return custom[key]
        if registry is not None and registry.get(key) is not None:
            return registry.get(key)
    # Keras <= 3.6 saved registered functions by bare name: match "pkg>name".
    for source in (custom, registry.as_dict() if registry is not None else {}):
        for key, obj in source.items():
            if key.endswith(f">{name}"):
                return obj
    return None
