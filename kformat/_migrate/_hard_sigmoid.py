"""Keras 2's ``hard_sigmoid`` written as an equivalent Keras 3 form (spec §13).

The name kept its spelling and changed its meaning: Keras 2 computes
``clip(0.2 x + 0.5, 0, 1)`` (``tf_keras/backend.py`` ``hard_sigmoid``), Keras 3
``relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)`` (``keras/src/activations/
activations.py``). A migrated file must compute what the original did:

* an ``Activation("hard_sigmoid")`` layer becomes ``Rescaling(0.2, 0.5)``
  followed by ``ReLU(max_value=1)`` under the original name, which is exactly
  the Keras 2 function;
* a layer whose pre-activation is linear in its variables (Dense, EinsumDense,
  the convolutions) keeps Keras 3's ``hard_sigmoid`` and gets those variables
  scaled by 1.2 (``hs3(1.2 z) = clip(0.2 z + 0.5, 0, 1) = hs2(z)``); the weight
  stage does the scaling;
* any other layer with a Keras 2 ``hard_sigmoid`` is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat._migrate._report import Notes, refuse

__all__ = ["KERAS2_TO_KERAS3_SCALE", "is_linear", "rewrite", "scaled_variables"]

#: hs2(z) = hs3(1.2 z): the factor applied to a layer's linear variables.
KERAS2_TO_KERAS3_SCALE = 1.2

# Layers whose output is ``activation(linear(x; variables))`` with every own
# variable entering linearly (kernel and bias), so scaling the variables scales
# the pre-activation. SeparableConv scales only its pointwise kernel and bias.
_LINEAR = frozenset(
    {
        "Dense",
        "EinsumDense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
    }
)
_SEPARABLE = frozenset({"SeparableConv1D", "SeparableConv2D"})


def rewrite(
    entry: dict[str, Any], parts: tuple[str | int, ...], scale: dict[int, float], notes: Notes
) -> list[dict[str, Any]]:
    """Rewrite a Keras 2 ``hard_sigmoid`` on ``entry`` (in place).

    Returns:
        Entries to insert before ``entry`` (the Rescaling of an Activation layer).
    """
    inner = entry["config"]
    name = str(inner.get("name"))
    for key, value in inner.items():
        if key.endswith("_activation") and value == "hard_sigmoid":
            raise refuse(
                (*parts, "config", key),
                name,
                f"{key}='hard_sigmoid' means clip(0.2x + 0.5) in Keras 2 and relu6(x + 3) / 6 "
                "in Keras 3, and this layer has no exact Keras 3 form of it",
                f"retrain with {key}='sigmoid' or migrate after replacing it",
            )
    if inner.get("activation") != "hard_sigmoid":
        return []
    cls = entry["class_name"]
    if cls == "Activation":
        rescale_name = f"{name}_keras2_scale"
        pre: dict[str, Any] = {
            "module": "keras.layers",
            "class_name": "Rescaling",
            "config": {
                "name": rescale_name,
                "trainable": inner.get("trainable", True),
                "dtype": inner.get("dtype"),
                "scale": 0.2,
                "offset": 0.5,
            },
            "registered_name": None,
        }
        if "name" in entry:
            pre["name"] = rescale_name
        entry["class_name"] = "ReLU"
        entry["config"] = {
            "name": name,
            "trainable": inner.get("trainable", True),
            "dtype": inner.get("dtype"),
            "max_value": 1.0,
            "negative_slope": 0.0,
            "threshold": 0.0,
        }
        if isinstance(entry.get("build_config"), Mapping):
            pre["build_config"] = dict(entry["build_config"])
        notes.change(
            "Keras 2 hard_sigmoid Activation -> Rescaling(0.2, 0.5) + ReLU(max_value=1) "
            "(same function)"
        )
        return [pre]
    if cls in _LINEAR or cls in _SEPARABLE:
        scale[id(entry)] = KERAS2_TO_KERAS3_SCALE
        notes.change(
            "Keras 2 hard_sigmoid on a linear layer -> Keras 3 hard_sigmoid with kernel and "
            "bias scaled by 1.2 (same function)"
        )
        return []
    raise refuse(
        (*parts, "config", "activation"),
        name,
        "activation='hard_sigmoid' means clip(0.2x + 0.5) in Keras 2 and relu6(x + 3) / 6 in "
        f"Keras 3, and {cls} has no exact Keras 3 form of it",
        "move the activation into a separate Activation layer in Keras 2 and save again",
    )


def scaled_variables(class_name: str, count: int) -> range:
    """Indices of the own variables to scale for ``class_name`` (``count`` in all)."""
    return range(1, count) if class_name in _SEPARABLE else range(count)


def is_linear(class_name: str) -> bool:
    """Whether scaling ``class_name``'s variables scales its pre-activation."""
    return class_name in _LINEAR or class_name in _SEPARABLE
