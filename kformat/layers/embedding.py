"""``Embedding`` (``keras/src/layers/core/embedding.py``): rows of a table by index.

Variable: ``embeddings (input_dim, output_dim)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.layers import _checks as c
from kformat.layers._common import LORA
from kformat.layers._def import InputShape, LayerDef, Shape, VariableSpec, f

__all__ = ["DEFINITIONS", "EMBEDDING"]


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    return (VariableSpec("embeddings", (config["input_dim"], config["output_dim"])),)


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    out = config.get("output_dim")
    return (*shape, out) if c.positive(out) else None


EMBEDDING = LayerDef(
    class_name="Embedding",
    source="keras/src/layers/core/embedding.py",
    fields={
        "input_dim": f(c.POS_INT, required=True, note="vocabulary size"),
        "output_dim": f(c.POS_INT, required=True),
        "embeddings_initializer": f(c.INITIALIZER, "uniform", kind="initializer"),
        "embeddings_regularizer": f(c.REGULARIZER, kind="regularizer"),
        "embeddings_constraint": f(c.CONSTRAINT, kind="constraint"),
        "mask_zero": f(c.BOOL, False),
        "input_length": f(
            c.opt(c.either(c.POS_INT, c.SHAPE, what="an integer >= 1 or a shape")),
            tf_keras=True,
            note="Keras 3 accepts and ignores it with a warning",
        ),
        **LORA,
    },
    call=None,
    tf_call=None,
    variables=_variables,
    output_shape=_output_shape,
    summary="lookup table",
    variables_doc="`embeddings (input_dim, output_dim)`",
)

DEFINITIONS = (EMBEDDING,)
