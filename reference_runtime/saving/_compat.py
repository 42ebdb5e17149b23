"""Reading files written by other Keras generations (spec §13).

Keras 2 / tf-keras files differ in ways the loader must absorb:
``batch_input_shape`` on the first layer instead of an InputLayer, mixed
precision ``Policy`` dicts, list-style nodes, ``hard_sigmoid`` meaning
``clip(0.2x + 0.5)``, and ``_layer_checkpoint_dependencies`` H5 paths (2.13/2.14).
The generation is decided from ``metadata.json``'s ``keras_version`` and,
without it, from the config itself (list-style nodes, ``engine`` modules).

The loader decides the writer once (:class:`Writer`) and hands its meanings
to what it builds explicitly: the config is rewritten before deserialization
(:meth:`Writer.rewrite_config`) and the built layers get their attributes set
(:meth:`Writer.apply`). Nothing is read from ambient state, so a layer behaves
by its own config and attributes wherever and whenever it is called or built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from reference_runtime import activations
from reference_runtime.layers.multi_head_attention import MultiHeadAttention
from reference_runtime.layers.softmax import Softmax

__all__ = [
    "Writer",
    "is_keras2_file",
    "normalize_layer_entry",
    "writer_version",
]

# Layer config keys tf-keras writes that Keras 3 layers do not take.
_KERAS2_ONLY = ("batch_input_shape", "batch_size")


@dataclasses.dataclass(frozen=True)
class Writer:
    """The Keras generation that wrote a file, as far as its meanings differ.

    Attributes:
        keras2: written by Keras 2 / tf-keras.
        version: ``(major, minor)`` of the writer; ``None`` for the current Keras.
    """

    keras2: bool = False
    version: tuple[int, int] | None = None

    @classmethod
    def of(cls, metadata: Mapping[str, Any] | None, config: Mapping[str, Any] | None) -> Writer:
        """The writer of a file from its ``metadata.json`` and ``config.json``."""
        keras2 = is_keras2_file(metadata, config)
        version = writer_version(metadata)
        return cls(keras2, version if version is not None else ((2, 0) if keras2 else None))

    @property
    def additive_softmax_masking(self) -> bool:
        """Whether masked softmax adds ``(1 - mask) * large_negative`` without
        zeroing masked outputs: Keras 2 and Keras 3 before 3.10
        (``keras/src/layers/activations/softmax.py`` history, commit 2111fbca07)."""
        return self.version is not None and self.version < (3, 10)

    def softmax_masking(self) -> dict[str, bool]:
        """The masking attributes of a ``Softmax`` this writer saved
        (``reference_runtime/layers/softmax.py``)."""
        additive = self.additive_softmax_masking
        return {
            "_additive_masking": additive,
            "_keras2": self.keras2,
            "_zero_masked": not self.keras2 and not additive,
        }

    def rewrite_config(self, config: Any) -> Any:
        """``config`` (a private copy, changed in place) with this writer's meanings
        spelled out: a Keras 2 ``"hard_sigmoid"`` activation becomes the Keras 2
        function (``clip(0.2x + 0.5)``, see :mod:`reference_runtime.activations`)."""
        if self.keras2:
            keras2_fn = activations.serialize(activations.hard_sigmoid_keras2)
            for entry in _walk(config):
                for key, value in entry.items():
                    if value == "hard_sigmoid" and _is_activation_key(key):
                        entry[key] = dict(keras2_fn)  # type: ignore[index]
        return config

    def apply(self, model: Any) -> None:
        """Give every ``Softmax`` of the built ``model`` this writer's masking, and
        every ``MultiHeadAttention`` the masking of the ``Softmax`` it builds."""
        masking = self.softmax_masking()
        if masking == Writer().softmax_masking() or not hasattr(model, "_flatten_layers"):
            return
        owned: set[int] = set()  # a MultiHeadAttention configures its own Softmax
        for layer in model._flatten_layers():
            if isinstance(layer, MultiHeadAttention):
                layer._set_softmax_masking(masking)
                owned.update(id(sub) for sub in layer._sublayers())
            elif isinstance(layer, Softmax) and id(layer) not in owned:
                vars(layer).update(masking)


def _is_activation_key(key: Any) -> bool:
    # Keras layer arguments naming an activation: activation, recurrent_activation.
    return isinstance(key, str) and (key == "activation" or key.endswith("_activation"))


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
