"""Array values inside a config: ``__numpy__`` / ``__tensor__`` objects (spec §4.3, KF214).

Keras rebuilds these with ``np.array(value, dtype=dtype)``
(keras-team/keras: keras/src/saving/serialization_lib.py). A dtype string
alone can ask NumPy for gigabytes (``"S1800000000"``) or for object arrays,
so the validator reports here exactly what ``kformat.serialization`` refuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kformat._issues import Issue
from kformat._numpy_values import MAX_ARRAY_ELEMENTS, array_problem
from kformat._rules import RULES
from kformat.validate._fields import DTYPE_NAMES
from kformat.validate._layers import MAX_DIM
from kformat.validate._walk import Parts, iter_objects, ptr

__all__ = ["array_issues"]


def array_issues(config: Any, max_elements: int = MAX_ARRAY_ELEMENTS) -> Iterator[Issue]:
    """One KF214 issue per array object a loader would refuse, KF305 for a
    symbolic tensor whose dtype or shape no layer could take (paths set)."""
    for parts, obj in iter_objects(config):
        name = obj.get("class_name")
        if name == "__keras_tensor__":
            yield from _tensor_issues(obj.get("config"), (*parts, "config"))
            continue
        if name not in ("__numpy__", "__tensor__"):
            continue
        problem = array_problem(obj.get("config"), max_elements)
        if problem is not None:
            yield Issue(
                "KF214", RULES["KF214"].severity, f"{name} {problem}", path=ptr([*parts, "config"])
            )


def _tensor_issues(config: Any, parts: Parts) -> Iterator[Issue]:
    """A ``__keras_tensor__`` (§4.3) names a dtype of §5.8 and a shape of
    dimensions ``0 <= d <= MAX_DIM`` or null (other faults are the schema's)."""
    if not isinstance(config, Mapping):
        return
    dtype = config.get("dtype")
    if dtype is not None and (not isinstance(dtype, str) or dtype not in DTYPE_NAMES):
        shown = repr(dtype)[:40] if isinstance(dtype, str) else type(dtype).__name__
        yield Issue(
            "KF305",
            RULES["KF305"].severity,
            f"symbolic tensor dtype {shown} is not a dtype name",
            path=ptr([*parts, "dtype"]),
        )
    shape = config.get("shape")
    if isinstance(shape, list):
        for i, dim in enumerate(shape):
            if dim is not None and not (
                isinstance(dim, int) and not isinstance(dim, bool) and 0 <= dim <= MAX_DIM
            ):
                yield Issue(
                    "KF305",
                    RULES["KF305"].severity,
                    f"symbolic tensor dimension must be 0..{MAX_DIM} or null",
                    path=ptr([*parts, "shape", i]),
                )
                return
