"""The registry's lookup, for definitions that name other classes (wrappers).

A wrapper such as SpectralNormalization derives its variables from the class it
wraps, named in its config. The registry (``kformat/layers/__init__.py``) imports
every definition module, so a definition cannot import it back; the registry
installs its lookup here once, when it is built.
"""

from __future__ import annotations

from collections.abc import Callable

from kformat.layers._def import LayerDef

__all__ = ["definition", "install"]

_installed: list[Callable[[str], LayerDef | None]] = []


def install(lookup: Callable[[str], LayerDef | None]) -> None:
    """Set the registry's lookup (once)."""
    if _installed and _installed[0] is not lookup:
        raise RuntimeError("the layer registry's lookup is already installed")
    _installed[:] = [lookup]


def definition(class_name: str) -> LayerDef | None:
    """The definition of ``class_name`` (or of the class an alias names), else ``None``."""
    if not _installed:
        raise RuntimeError("import kformat.layers first: the registry is not built")
    return _installed[0](class_name)
