"""The layer catalogue (kformat/layers/): one complete definition per class, the
spec tables generated from it, and the tables that must agree with it."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kformat import layers, weight_paths
from kformat.layers._def import Field, LayerDef

ROOT = Path(__file__).resolve().parents[2]

COMPLETENESS = textwrap.dedent(
    """
    import inspect
    from kformat import layers
    from kformat.layers._def import Field

    missing = []
    for name, d in layers.REGISTRY.items():
        parts = {
            "fields": all(isinstance(f, Field) for f in d.fields.values()),
            "variables": callable(d.variables),
            "output_shape": callable(d.output_shape),
            "sublayers": callable(d.sublayers),
            "source": d.source.startswith("keras/src/") and d.source.endswith(".py"),
            "summary": bool(d.summary),
            "call": callable(d.call),
            "tf_call": callable(d.tf_call),
        }
        missing += [f"{name}: {part}" for part, ok in parts.items() if not ok]
    print("\\n".join(missing))
    """
)


def test_every_definition_is_complete_with_core_dependencies_only() -> None:
    # Blocks the runtime and every framework: the catalogue must stand on the core.
    blocker = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"reference_runtime", "keras", "tensorflow", "jax"}:
                    raise ImportError(f"blocked: {name}")
        sys.meta_path.insert(0, Block())
        """
    )
    code = blocker + COMPLETENESS
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", out.stdout


def test_forward_passes_take_the_layer_first() -> None:
    for name, d in layers.REGISTRY.items():
        for fn, first in ((d.call, "layer"), (d.tf_call, "ctx")):
            assert fn is not None, name
            params = list(inspect.signature(fn).parameters)
            assert params[0] == first, (name, params)


def test_defaults_lie_in_their_domains() -> None:
    for name, d in layers.REGISTRY.items():
        for key, field in d.fields.items():
            if field.required or field.tf_keras:
                continue
            assert field.check(key, field.default) is None, (name, key, field.default)


def test_definitions_are_read_only() -> None:
    d = layers.REGISTRY["Dense"]
    with pytest.raises(TypeError):
        layers.REGISTRY["Conv9D"] = d  # type: ignore[index]
    with pytest.raises(TypeError):
        d.fields["units"] = Field(d.fields["units"].check)  # type: ignore[index]
    assert isinstance(d, LayerDef)


def test_aliases_agree_with_the_path_rule() -> None:
    # The H5 path uses the Python class name; an alias in a config maps to it (§6.5).
    for alias, name in layers.ALIASES.items():
        # Both spellings name one Python class, so one H5 group name.
        assert weight_paths.python_class_name(alias) == weight_paths.python_class_name(name), alias
    assert layers.get("NoSuchLayer") is None


def test_spec_tables_are_generated_from_the_catalogue() -> None:
    spec = importlib.util.spec_from_file_location(
        "layer_tables", ROOT / "spec" / "tools" / "layer_tables.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "spec" / "format.md").read_text(encoding="utf-8")
    assert module.render(text) == text, "run python spec/tools/layer_tables.py"
    for name in layers.REGISTRY:
        assert f"**{name}** (`keras/src/" in text


def test_the_index_lists_exactly_what_each_module_defines() -> None:
    # Lookups import only the module _INDEX names; a stale index would hide a class.
    import importlib
    import pkgutil

    from kformat.layers import _INDEX

    on_disk = {m.name for m in pkgutil.iter_modules(layers.__path__) if not m.name.startswith("_")}
    assert set(_INDEX) == on_disk
    for module, names in _INDEX.items():
        defined = importlib.import_module(f"kformat.layers.{module}").DEFINITIONS
        assert sorted(names) == sorted(n for d in defined for n in (d.class_name, *d.aliases)), (
            module
        )


def test_a_lookup_imports_only_its_module() -> None:
    code = textwrap.dedent(
        """
        import sys
        from kformat import layers
        assert layers.get("Dense").class_name == "Dense"
        assert layers.get("MaxPool2D").class_name == "MaxPooling2D"
        loaded = sorted(m for m in sys.modules if m.startswith("kformat.layers."))
        print(" ".join(loaded))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    loaded = {m.rsplit(".", 1)[1] for m in out.stdout.split()}
    assert {"dense", "pooling"} <= loaded
    assert "conv" not in loaded and "resizing" not in loaded, loaded
