"""``Model``: the base of Functional and Sequential models (``keras/src/models/model.py``, ``trainers/trainer.py``).

``Model(inputs, outputs)`` returns a :class:`~reference_runtime.models.functional.Functional`;
subclasses (as in the guide's ``SubclassedModel``) are plain layers with the
model API on top: ``predict``, ``compile`` (recorded only), ``summary``,
``save`` / ``save_weights`` / ``load_weights``, ``to_json``, ``get_layer``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from reference_runtime import losses, metrics, optimizers
from reference_runtime._backend import flatten
from reference_runtime._serialization import (
    checked_from_config,
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime.layers.layer import Layer
from reference_runtime.models._functional_config import functional_from_config
from reference_runtime.models._input_checks import is_python_data
from reference_runtime.models._predict import predict_in_chunks
from reference_runtime.models._summary import print_summary
from reference_runtime.saving.saving_api import load_weights, save_model, save_weights

__all__ = ["Model"]


class Model(Layer):
    """A layer with training-free model workflows.

    ``Model(inputs, outputs, name=...)`` builds a Functional model.
    """

    #: how the weights walk treats this class's attributes (``saving._attributes``)
    _model_kind: ClassVar[str] = "model"
    #: what ``Model(inputs, outputs)`` and a Functional config build:
    #: :class:`~reference_runtime.models.functional.Functional`, a subclass of this
    #: class, which names itself here when it is defined.
    _functional_class: ClassVar[type[Model] | None] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model and (
            len(args) >= 2 or "outputs" in kwargs or (args and "outputs" in kwargs)
        ):
            functional = _functional()
            return functional.__new__(functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(**{k: v for k, v in kwargs.items() if k in ("name", "trainable", "dtype")})
        self.optimizer: Any = None
        self.compiled = False
        self._compile_config: dict[str, Any] | None = None

    # -- structure -----------------------------------------------------------

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in :attr:`layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[la.name for la in self.layers]}."
        )

    # -- inference -------------------------------------------------------------

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: Any = None,
        callbacks: Any = None,
    ) -> Any:
        """The model's outputs over all rows of ``x``, computed in chunks sized
        for throughput (``batch_size``, default 32: the steps ``verbose``
        counts and the least rows per chunk); ``verbose`` as Keras: ``"auto"``
        or 1 a progress bar, 2 one line at the end, 0 nothing."""
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
        ):
            raise TypeError(f"batch_size must be an integer, got {batch_size!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        if len(getattr(self, "inputs", None) or ()) == 1 and is_python_data(x):
            x = np.asarray(x)  # nested Python numbers: one input's data, as in __call__
        leaves = flatten(x)
        if not leaves:
            raise ValueError("predict needs input data")
        shapes = [np.shape(leaf) for leaf in leaves]
        names = getattr(self, "input_names", None) or []
        for i, shape in enumerate(shapes):
            if not shape:  # a scalar: a list of numbers read as one input per number
                name = names[i] if i < len(names) else f"input {i}"
                raise ValueError(
                    f"predict needs arrays with a batch axis; {name!r} got a scalar (shape ()). "
                    "Pass a NumPy array, not a (nested) Python list of numbers"
                )
        return predict_in_chunks(self, x, leaves, int(batch_size or 32), verbose)

    # -- compile (recorded, never trained) ---------------------------------------

    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Record the training configuration as Keras's ``compile_config``."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        if jit_compile == "auto":
            jit_compile = not run_eagerly  # Trainer._resolve_auto_jit_compile on the numpy backend
        if jit_compile and run_eagerly:
            jit_compile = False
        self.compiled = True
        self._compile_config = {
            "optimizer": self.optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }

    def get_compile_config(self) -> dict[str, Any]:
        """The serialized compile arguments, ``{}`` when never compiled."""
        if not self.compiled or self._compile_config is None:
            return {}
        out: dict[str, Any] = serialize_keras_object(self._compile_config)
        return out

    def compile_from_config(self, config: Mapping[str, Any]) -> None:
        """Re-run ``compile`` from a ``compile_config``."""
        cfg = dict(config)
        cfg["optimizer"] = optimizers.get(cfg.get("optimizer"))
        cfg["loss"] = losses.get(cfg.get("loss"))
        cfg["metrics"] = deserialize_keras_object(
            cfg.get("metrics"), module_objects=metrics.ALL_OBJECTS
        )
        cfg["weighted_metrics"] = deserialize_keras_object(cfg.get("weighted_metrics"))
        self.compile(**cfg)

    # -- summary -----------------------------------------------------------------

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Print layers, output shapes and Keras's parameter counts."""
        print_summary(
            self, line_length=line_length, print_fn=print_fn, show_trainable=show_trainable
        )

    # -- saving --------------------------------------------------------------------

    def save(
        self,
        filepath: str | os.PathLike[str],
        overwrite: bool = True,
        zipped: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Save as ``.keras`` (or an unzipped directory with ``zipped=False``)."""
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(
        self,
        filepath: str | os.PathLike[str],
        overwrite: bool = True,
        max_shard_size: float | None = None,
    ) -> None:
        """Save weights as ``.weights.h5``, or sharded ``.weights.json`` with ``max_shard_size`` (GiB)."""
        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(
        self, filepath: str | os.PathLike[str], skip_mismatch: bool = False, **kwargs: Any
    ) -> None:
        """Load weights from ``.weights.h5``, ``.weights.json`` or ``.keras``."""
        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(
        self,
        filepath: str | os.PathLike[str],
        format: str = "tf_saved_model",
        verbose: bool = True,
        input_signature: Any = None,
    ) -> None:
        """Export a TensorFlow SavedModel with a ``serve`` endpoint (needs the ``tensorflow`` extra).

        Delegates to :func:`reference_runtime.export.export_saved_model`.
        """
        if format != "tf_saved_model":
            raise ValueError(f"unsupported export format {format!r}: only 'tf_saved_model'")
        # Here, not at the top: TensorFlow is an optional extra, loaded on first export.
        from reference_runtime.export import export_saved_model

        export_saved_model(self, filepath, input_signature=input_signature, verbose=verbose)

    def to_json(self, **kwargs: Any) -> str:
        """The model's serialized config as a JSON string."""
        return json.dumps(serialize_keras_object(self), **kwargs)

    def get_config(self) -> dict[str, Any]:
        """Subclassed models: the auto-config of their constructor arguments."""
        try:
            return super().get_config()
        except NotImplementedError:
            return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> Any:
        """Functional configs build a Functional model; others call ``cls(**config)``."""
        if (
            isinstance(config, Mapping)
            and "layers" in config
            and "input_layers" in config
            and "output_layers" in config
        ):
            functional = _functional()
            target = cls if issubclass(cls, functional) else functional
            return checked_from_config(
                "Functional", config, lambda: functional_from_config(target, dict(config))
            )
        return super().from_config(config)


def _functional() -> type[Model]:
    if Model._functional_class is None:  # pragma: no cover - set when the package loads
        raise RuntimeError("reference_runtime.models.functional has not been imported")
    return Model._functional_class
