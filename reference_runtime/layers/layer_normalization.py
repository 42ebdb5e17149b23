"""``LayerNormalization`` (``keras/src/layers/normalization/layer_normalization.py``, ``ops/nn.py``).

Computed in at least float32: ``mean`` and ``variance = E[x^2] - mean^2``
over ``axis`` (``backend/numpy/nn.py`` ``moments``), ``inv = rsqrt(var + eps)``
times ``gamma``, ``out = x*inv + (beta - mean*inv)``; cast back to the
input dtype, then to the compute dtype. ``rms_scaling`` (deprecated) scales by
``rsqrt(var + eps)`` only. Inputs are not autocast (``self.autocast = False``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference_runtime import constraints, initializers, regularizers
from reference_runtime._backend import as_dtype
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.variable import Variable

__all__ = ["LayerNormalization"]


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
        x = np.asarray(inputs)
        original = x.dtype
        x = x.astype(np.promote_types(x.dtype, np.float32), copy=False)
        axes = sorted(
            a % x.ndim for a in (self.axis if isinstance(self.axis, list) else [self.axis])
        )
        shape = [1] * x.ndim
        for a in axes:
            shape[a] = x.shape[a]

        def bcast(v: Any) -> Any:
            if v is None:
                return None
            v = v.numpy().astype(x.dtype)
            return v if axes == [x.ndim - 1] and v.ndim == 1 else np.reshape(v, shape)

        gamma, beta = bcast(self.gamma), bcast(self.beta)
        eps = np.asarray(self.epsilon, x.dtype)
        if self.rms_scaling:
            inv = 1.0 / np.sqrt(np.var(x, axis=tuple(axes), keepdims=True) + eps)
            out = x * inv if gamma is None else x * inv * gamma
        else:
            mean = np.mean(x, axis=tuple(axes), keepdims=True)
            variance = np.mean(np.square(x), axis=tuple(axes), keepdims=True) - np.square(mean)
            inv = 1.0 / np.sqrt(variance + eps)
            if gamma is not None:
                inv = inv * gamma
            res = -mean * inv
            if beta is not None:
                res = res + beta
            out = x * inv + res
        return out.astype(original, copy=False).astype(as_dtype(self.compute_dtype), copy=False)

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
