"""Field groups many layer classes share (spec §5.9)."""

from __future__ import annotations

from kformat.layers import _checks as c
from kformat.layers._def import Field, f

__all__ = ["LORA", "weight_fields"]


def weight_fields(*names: str, initializers: dict[str, str] | None = None) -> dict[str, Field]:
    """``<name>_initializer``/``_regularizer``/``_constraint`` of the named weights, in
    Keras' usual ``get_config`` order (all initializers, then regularizers, then
    constraints). ``initializers`` gives the default initializer per weight."""
    inits = initializers or {}
    out: dict[str, Field] = {}
    for n in names:
        out[f"{n}_initializer"] = f(c.INITIALIZER, inits.get(n, "zeros"), kind="initializer")
    for n in names:
        out[f"{n}_regularizer"] = f(c.REGULARIZER, kind="regularizer")
    for n in names:
        out[f"{n}_constraint"] = f(c.CONSTRAINT, kind="constraint")
    return out


#: LoRA and quantization keys of Dense, EinsumDense and Embedding (``dense.py`` get_config).
LORA: dict[str, Field] = {
    "lora_rank": f(c.opt(c.POS_INT), saved="if_set", note="only when LoRA is enabled"),
    "lora_alpha": f(
        c.opt(c.num(0.0, open_lo=True)), saved="if_set", note="only when LoRA is enabled"
    ),
    "quantization_config": f(c.opt(c.OBJECT), note="Keras 3.13+"),
}
