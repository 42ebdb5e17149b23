"""``LayerNormalization`` (``keras/src/layers/normalization/layer_normalization.py``, ``ops/nn.py``).

Computed in at least float32: ``mean`` and ``variance = E[x^2] - mean^2``
over ``axis`` (``backend/numpy/nn.py`` ``moments``), ``inv = rsqrt(var + eps)``
times ``gamma``, ``out = x*inv + (beta - mean*inv)``; cast back to the
input dtype, then to the compute dtype. ``rms_scaling`` (deprecated) scales by
``rsqrt(var + eps)`` only. Inputs are not autocast (``self.autocast = False``).
"""

from __future__ import annotations

from typing import Any

from reference_runtime import constraints, initializers, regularizers
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.variable import Variable

__all__ = ["LayerNormalization"]

_CALL = forward("LayerNormalization")


class LayerNormalization(Layer):
    """Normalize each sample over ``axis``.

    Args:
        axis: int or list of ints.
        epsilon: added to the variance.
        center, scale: add ``beta`` / multiply by ``gamma``.
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        super().__init__(**kwargs)
        self.axis: Any = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma: Variable | None = None
        self.beta: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """Create ``gamma`` and ``beta`` over the normalized axes."""
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )

    def call(self, inputs: Any) -> Any:
        return _CALL(self, inputs)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 LayerNormalization config."""
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
