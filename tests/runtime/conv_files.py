"""Small ``.keras`` files for the convolution tests, written by the runtime and
then edited the way other writers differ (helpers imported by test modules)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["edited_copy", "one_layer_file"]


def one_layer_file(tmp_path: Path, layer: Any, input_shape: tuple[int, ...]) -> Path:
    """A Sequential ``InputLayer`` + ``layer`` saved by the runtime."""
    import reference_runtime as rr

    model = rr.models.Sequential([rr.layers.InputLayer(shape=input_shape), layer])
    path = tmp_path / "one_layer.keras"
    model.save(path)
    return path


def edited_copy(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """``src`` with ``edit`` applied to the last layer's config in ``config.json``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "config.json":
                doc = json.loads(data)
                edit(doc["config"]["layers"][-1]["config"])
                data = json.dumps(doc).encode()
            zout.writestr(info, data)
    return dst
