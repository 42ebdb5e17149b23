"""``StringLookup``, ``IntegerLookup`` and ``TextVectorization``: the catalogue's
definitions (``kformat/layers/index_lookup.py``, ``text_vectorization.py``) plus
their state outside ``vars/0..n-1``, as Keras keeps it
(``keras/src/layers/preprocessing/index_lookup.py``):

* the vocabulary asset: ``save_asset_files()`` returns the files of the layer's
  asset directory (``{"vocabulary.txt": bytes}``) and ``load_asset_files(files)``
  takes them back; the loader hands each object the members under
  ``assets/<its path>/`` (spec §2.7), so nothing touches the file system
  (Keras' ``save_assets(dir_path)``/``load_assets(dir_path)`` take a directory:
  the other names keep a custom layer written Keras' way from being handed a
  mapping);
* ``tf_idf`` weights, saved by name as ``vars/idf_weights``, kept as a NumPy
  array: Keras holds them in a ``tf.Variable`` that is not among the layer's
  weights (``get_weights`` does not list them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat import layers as catalogue
from kformat.errors import InvalidArchiveError
from kformat.layers import index_lookup as lk
from reference_runtime._tensor import KerasTensor
from reference_runtime.layers._defined import DefinedLayer, defined_layer

__all__ = ["IntegerLookup", "StringLookup", "TextVectorization"]


def _output_spec(layer: Any, inputs: Any, dtype: str) -> KerasTensor | None:
    if not isinstance(inputs, KerasTensor):
        return None
    try:
        shape = layer.definition.output_shape(layer._shape_config(), tuple(inputs.shape))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return None if shape is None else KerasTensor(shape, dtype=dtype)


def _mode_dtype(mode: str) -> str:
    return "float32" if mode == "tf_idf" else "int64"


class _Lookup(DefinedLayer):
    """State of an IndexLookup layer besides its config."""

    def compute_output_spec(self, inputs: Any) -> KerasTensor | None:
        """Shape and dtype without running on data (``IndexLookup.compute_output_spec``)."""
        if self.invert:
            return _output_spec(self, inputs, getattr(self, "vocabulary_dtype", "string"))
        return _output_spec(self, inputs, _mode_dtype(self.output_mode))

    idf_value: np.ndarray[Any, Any] | None = None
    asset_vocabulary: list[Any] | None = None
    # config fields, set by DefinedLayer.__init__
    invert: bool
    output_mode: str
    vocabulary: list[Any] | None

    def build(self, input_shape: Any = None) -> None:
        """Nothing to create: the table comes from the vocabulary."""
        self.built = True

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """``idf_weights`` for ``tf_idf`` (``IndexLookup.save_own_variables``)."""
        if self.output_mode == "tf_idf":
            store["idf_weights"] = lk.idf_weights(self)

    def load_own_variables(self, store: Mapping[str, Any]) -> None:
        """``idf_weights`` for ``tf_idf``; nothing else is expected."""
        expected = {"idf_weights"} if self.output_mode == "tf_idf" else set()
        if set(store) != expected:
            raise ValueError(
                f"Layer '{self.name}' expected variables {sorted(expected)}, but the file has "
                f"{sorted(store)}"
            )
        if expected:
            self.idf_value = np.asarray(store["idf_weights"], dtype=np.float32)

    def save_asset_files(self) -> dict[str, bytes]:
        """``vocabulary.txt`` unless the config holds the vocabulary."""
        if self.vocabulary is not None:
            return {}
        return {lk.VOCABULARY_FILE: lk.vocabulary_file(self)}

    def load_asset_files(self, files: Mapping[str, bytes]) -> None:
        """Read ``vocabulary.txt`` unless the config holds the vocabulary.

        Raises:
            InvalidArchiveError: (KF440) the file is missing.
        """
        if self.vocabulary is not None:
            return
        data = files.get(lk.VOCABULARY_FILE)
        if data is None:
            raise InvalidArchiveError(
                f"layer {self.name!r} ({type(self).__name__}) has no vocabulary in its config "
                f"and its asset {lk.VOCABULARY_FILE} is missing",
                code="KF440",
            )
        self.asset_vocabulary = lk.asset_vocabulary(self, bytes(data))
        lk.lookup_table(self)  # refuse a bad vocabulary while loading, as Keras does


def _written(class_name: str) -> type[DefinedLayer]:
    generated = defined_layer(catalogue.REGISTRY[class_name])
    return type(
        class_name,
        (_Lookup, generated),
        {"__module__": __name__, "__qualname__": class_name, "__doc__": generated.__doc__},
    )


StringLookup = _written("StringLookup")
IntegerLookup = _written("IntegerLookup")

_TextVectorization = defined_layer(catalogue.REGISTRY["TextVectorization"])


class TextVectorization(_TextVectorization):  # type: ignore[valid-type,misc]
    """Keeps its inner ``StringLookup`` as ``_lookup_layer`` (made from the
    config, spec §6.7) and hands it its variables and assets, as Keras does."""

    _lookup_layer: Any

    def compute_output_spec(self, inputs: Any) -> KerasTensor | None:
        """Shape and dtype without running on data."""
        return _output_spec(self, inputs, _mode_dtype(self.output_mode))

    def build(self, input_shape: Any = None) -> None:
        """Nothing to create (Keras' ``build`` is empty)."""
        self._lookup_layer.built = True
        self.built = True

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """The inner lookup's (``TextVectorization.save_own_variables``)."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store: Mapping[str, Any]) -> None:
        """The inner lookup's."""
        self._lookup_layer.load_own_variables(store)

    def save_asset_files(self) -> dict[str, bytes]:
        """The inner lookup's ``vocabulary.txt``, in this layer's asset directory too."""
        files: dict[str, bytes] = self._lookup_layer.save_asset_files()
        return files

    def load_asset_files(self, files: Mapping[str, bytes]) -> None:
        """The inner lookup reads this layer's asset directory."""
        try:
            self._lookup_layer.load_asset_files(files)
        except InvalidArchiveError as exc:
            raise InvalidArchiveError(
                f"layer {self.name!r} (TextVectorization): {exc.message}", code=exc.code
            ) from exc
