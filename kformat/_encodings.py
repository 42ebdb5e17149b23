"""The special encodings of serialized values (spec §4.3): ``__numpy__``, ``__bytes__``, ...

``keras-team/keras: keras/src/saving/serialization_lib.py`` writes NumPy
arrays, bytes, slices, Ellipsis and symbolic tensors as ``{"class_name":
"__name__", "config": {...}}`` and reads them back by indexing ``config``
directly. Here a malformed encoding is an :class:`InvalidArchiveError`
(KF210, the shape the schema gives it), an array value must pass the
validator's rule (KF214) before NumPy allocates, and the two encodings that
carry code or name modules to import (``__lambda__``, ``__typespec__``) are
refused (spec §9.7, KF501 and KF508).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat._json import pointer
from kformat._numpy_values import array_problem
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

__all__ = [
    "NOT_SPECIAL",
    "SPECIAL_CLASS_NAMES",
    "KerasTensorRef",
    "decode_special",
    "encode_special",
    "lambda_refusal",
]

SPECIAL_CLASS_NAMES = frozenset(
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

Parts = tuple[str | int, ...]


@dataclasses.dataclass(frozen=True)
class KerasTensorRef:
    """A ``__keras_tensor__`` leaf: a symbolic tensor in a Functional node."""

    shape: tuple[int | None, ...] | None
    dtype: str | None
    keras_history: tuple[str, int, int] | None


#: What :func:`encode_special` returns for a value that is not one of its types.
NOT_SPECIAL = object()


def encode_special(value: Any, encode: Callable[[Any], Any]) -> Any:
    """The encoding of an array, bytes, slice, Ellipsis or tensor reference,
    else :data:`NOT_SPECIAL` (``encode`` serializes a slice's bounds)."""
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
        bounds = {"start": value.start, "stop": value.stop, "step": value.step}
        return {"class_name": "__slice__", "config": {k: encode(v) for k, v in bounds.items()}}
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
    return NOT_SPECIAL


def lambda_refusal(what: str, *, safe_mode: bool, member: str | None, path: str) -> KFormatError:
    """The error for marshalled bytecode (KF501): unsafe in safe mode; without
    it still unsupported, because nothing here runs bytecode."""
    if safe_mode:
        return UnsafeArchiveError(
            f"{what} holds marshalled Python bytecode; loading it would run code from the "
            "file, so it is refused (CVE-2024-3660). Rewrite it as a registered function "
            "or a custom layer",
            member=member,
            path=path,
            code="KF501",
        )
    return UnsupportedFeatureError(
        f"{what} holds marshalled Python bytecode, which is never run, even with "
        "safe_mode=False. Register an implementation instead",
        member=member,
        path=path,
        code="KF501",
    )


def _malformed(message: str, member: str | None, parts: Parts) -> InvalidArchiveError:
    return InvalidArchiveError(message, member=member, path=pointer(parts), code="KF210")


def decode_special(
    class_name: str,
    config: Any,
    *,
    decode: Callable[[Any, Parts], Any],
    safe_mode: bool,
    member: str | None,
    parts: Parts,
) -> Any:
    """The value of the special encoding ``class_name`` (one of
    :data:`SPECIAL_CLASS_NAMES`); ``decode`` decodes a slice's bounds, which
    Keras deserializes like any value (so a ``__lambda__`` there is refused)."""
    if class_name == "__lambda__":
        raise lambda_refusal(
            "a serialized Python lambda", safe_mode=safe_mode, member=member, path=pointer(parts)
        )
    if class_name == "__typespec__":
        # Keras resolves a TypeSpec by looking up the module it names (KF508).
        raise UnsafeArchiveError(
            "__typespec__ names a TensorFlow TypeSpec class to look up and is refused",
            member=member,
            path=pointer(parts),
            code="KF508",
        )
    if class_name in ("__numpy__", "__tensor__"):
        return _array(class_name, config, member, (*parts, "config"))
    if not isinstance(config, Mapping):
        raise _malformed(f"the config of {class_name} must be an object", member, parts)
    inner = (*parts, "config")
    if class_name == "__bytes__":
        value = config.get("value")
        if not isinstance(value, str):
            raise _malformed("__bytes__ value must be a string", member, (*inner, "value"))
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate from "\ud800" in the JSON
            raise _malformed("__bytes__ value is not valid Unicode", member, inner) from exc
    if class_name == "__slice__":
        missing = [k for k in ("start", "stop", "step") if k not in config]
        if missing:
            raise _malformed(f"__slice__ config lacks {', '.join(missing)}", member, inner)
        return slice(*(decode(config[k], (*inner, k)) for k in ("start", "stop", "step")))
    if class_name == "__ellipsis__":
        return Ellipsis
    return _keras_tensor(config, member, inner)


def _array(class_name: str, config: Any, member: str | None, parts: Parts) -> Any:
    problem = array_problem(config)
    if problem is not None:
        raise UnsafeArchiveError(
            f"{class_name} {problem}", member=member, path=pointer(parts), code="KF214"
        )
    try:
        if config["dtype"] == "bfloat16":
            import ml_dtypes  # the only dtype of the allowed set NumPy lacks

            return np.asarray(config["value"], dtype=ml_dtypes.bfloat16)
        return np.asarray(config["value"], dtype=np.dtype(config["dtype"]))
    except (TypeError, ValueError, OverflowError, ImportError) as exc:
        raise InvalidArchiveError(
            f"malformed {class_name}: {str(exc)[:200]}",
            member=member,
            path=pointer(parts),
            code="KF214",
        ) from exc


def _keras_tensor(config: Mapping[str, Any], member: str | None, parts: Parts) -> KerasTensorRef:
    missing = [k for k in ("shape", "dtype", "keras_history") if k not in config]
    if missing:
        raise _malformed(f"__keras_tensor__ config lacks {', '.join(missing)}", member, parts)
    shape, dtype, history = config["shape"], config["dtype"], config["keras_history"]
    if shape is not None and not (
        isinstance(shape, list)
        and all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape)
    ):
        raise _malformed("shape must be a list of integers and nulls", member, (*parts, "shape"))
    if dtype is not None and not isinstance(dtype, str):
        raise _malformed("dtype must be a string", member, (*parts, "dtype"))
    ref: tuple[str, int, int] | None = None
    if history is not None:
        # Indices come from the file: int() of "1e999" or inf raises, so only
        # real non-negative integers are taken.
        if not (
            isinstance(history, list)
            and len(history) == 3
            and isinstance(history[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in history[1:])
        ):
            raise _malformed(
                "keras_history must be [layer name, node index >= 0, tensor index >= 0]",
                member,
                (*parts, "keras_history"),
            )
        ref = (history[0], history[1], history[2])
    return KerasTensorRef(tuple(shape) if shape is not None else None, dtype, ref)
