"""Generate the layer tables of spec/format.md (§5.9 keys, §6.8 variables) from the
layer catalogue, ``kformat.layers.REGISTRY``.

    python spec/tools/layer_tables.py          # rewrite the generated blocks in place
    python spec/tools/layer_tables.py --check  # exit 1 when the spec is out of date

The blocks sit between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``
markers; everything else in the spec is prose written by hand.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The catalogue of this checkout, not whichever kformat is installed.
sys.path.insert(0, str(ROOT))

from kformat import layers  # noqa: E402
from kformat.layers._def import Field, LayerDef  # noqa: E402

SPEC = ROOT / "spec" / "format.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(field: Field) -> str:
    if field.required:
        return "required"
    if field.tf_keras:
        return "—"
    return f"`{json.dumps(field.default)}`"


def _class_block(d: LayerDef) -> list[str]:
    head = f"**{d.class_name}** (`{d.source}`)"
    if d.summary:
        head += f" — {d.summary}"
    if d.aliases:
        head += "; also exported as " + ", ".join(f"`{a}`" for a in d.aliases)
    lines = [head + ".", ""]
    if not d.fields:
        return [*lines, "No keys besides the base keys.", ""]
    lines += ["| key | type / range | default | notes |", "|---|---|---|---|"]
    for key, field in d.fields.items():
        notes = ", ".join(n for n in ("*tf_keras*" if field.tf_keras else "", field.note) if n)
        lines.append(
            f"| `{key}` | {_cell(field.check.what)} | {_default(field)} | {_cell(notes)} |"
        )
    if d.one_of:
        lines += ["", "At least one of " + ", ".join(f"`{k}`" for k in d.one_of) + " is required."]
    return [*lines, ""]


def keys_block() -> str:
    """§5.9: one key table per class of the catalogue."""
    lines: list[str] = []
    for name in sorted(layers.REGISTRY):
        lines += _class_block(layers.REGISTRY[name])
    return "\n".join(lines).rstrip() + "\n"


def variables_block() -> str:
    """§6.8: the ``vars`` order and shapes of every class with variables or sub-layers."""
    lines = [
        "| class | `vars/0 …` in order, with shapes (input shape `(…, d)` from `build_config`) |",
        "|---|---|",
    ]
    for name in sorted(layers.REGISTRY):
        d = layers.REGISTRY[name]
        if d.variables_doc:
            lines.append(f"| {name} | {_cell(d.variables_doc)} |")
    lines.append("| every other class of §5.9, models | none |")
    return "\n".join(lines) + "\n"


BLOCKS = {"layer-keys": keys_block, "layer-variables": variables_block}


def render(text: str) -> str:
    """``text`` with every generated block recomputed."""
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- generated: {name} -->\n)(.*?)(<!-- end generated: {name} -->)", re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"spec/format.md has no generated block {name!r}")
        body = make()
        text = pattern.sub(lambda m, body=body: m.group(1) + body + m.group(3), text)
    return text


def main(argv: list[str]) -> int:
    text = SPEC.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("spec/format.md layer tables are out of date: run spec/tools/layer_tables.py")
            return 1
        return 0
    if new != text:
        SPEC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
