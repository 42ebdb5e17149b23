"""Reading files written by other Keras generations (spec §13).

Keras 2 / tf-keras files differ in ways the loader must absorb:
``batch_input_shape`` on the first layer instead of an InputLayer, mixed
precision ``Policy`` dicts, list-style nodes, ``hard_sigmoid`` meaning
``clip(0.2x + 0.5)``, and ``_layer_checkpoint_dependencies`` H5 paths (2.13/2.14).
The generation is decided from ``metadata.json``'s ``keras_version`` and,
without it, from the config itself (list-style nodes, ``engine`` modules).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from reference_runtime import activations

__all__ = [
    "additive_softmax_masking",
    "is_keras2",
    "is_keras2_file",
    "keras2_mode",
    "normalize_layer_entry",
    "writer_version",
]

_KERAS2: contextvars.ContextVar[bool] = contextvars.ContextVar("keras2_file", default=False)
_VERSION: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "keras_version", default=None
)

# Layer config keys tf-keras writes that Keras 3 layers do not take.
_KERAS2_ONLY = ("batch_input_shape", "batch_size")


def is_keras2() -> bool:
    """Whether the file being loaded was written by Keras 2."""
    return _KERAS2.get()


@contextlib.contextmanager
def keras2_mode(enabled: bool, version: tuple[int, int] | None = None) -> Iterator[None]:
    """Load with the meanings of the writer (Keras 2 activations, node indices, masking)."""
    token = _KERAS2.set(enabled)
    vtoken = _VERSION.set(version if version is not None else ((2, 0) if enabled else None))
    try:
        with activations.keras2_semantics(enabled):
            yield
    finally:
        _VERSION.reset(vtoken)
        _KERAS2.reset(token)


def writer_version(metadata: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """``(major, minor)`` of ``metadata.json``'s ``keras_version``, if readable."""
    version = (metadata or {}).get("keras_version")
    if not isinstance(version, str):
        return None
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None


def additive_softmax_masking() -> bool:
    """Whether masked softmax adds ``(1 - mask) * large_negative`` without
    zeroing masked outputs: Keras 2 and Keras 3 before 3.10
    (``keras/src/layers/activations/softmax.py`` history, commit 2111fbca07)."""
    version = _VERSION.get()
    return version is not None and version < (3, 10)


def _walk(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def is_keras2_file(metadata: Mapping[str, Any] | None, config: Mapping[str, Any] | None) -> bool:
    """Keras 2 writer? ``keras_version`` 2.x, else hints in the config."""
    version = (metadata or {}).get("keras_version")
    if isinstance(version, str) and version:
        return version.split(".")[0] in ("1", "2")
    for entry in _walk(config):
        module = entry.get("module")
        if isinstance(module, str) and (".engine." in module or module.startswith("tf_keras")):
            return True
        nodes = entry.get("inbound_nodes")
        if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
            return True
        inner = entry.get("config")
        if (
            entry.get("class_name") == "InputLayer"
            and isinstance(inner, Mapping)
            and "batch_input_shape" in inner
        ):
            return True
    return False


def normalize_layer_entry(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """Drop Keras 2 keys Keras 3 layers reject (``batch_input_shape`` on non-input layers)."""
    inner = entry.get("config")
    if entry.get("class_name") == "InputLayer" or not isinstance(inner, Mapping):
        return entry
    if not any(k in inner for k in _KERAS2_ONLY):
        return entry
    cleaned = {k: v for k, v in inner.items() if k not in _KERAS2_ONLY}
    return {**entry, "config": cleaned}
