"""``reference_runtime.dask``: batch inference on Dask arrays and dataframes.

The model is loaded at most once per worker process and kept in a per-process cache keyed
by the file's real path and identity (device, inode, size, modification time), so that a
file replaced on disk is loaded again and an unchanged one never is. This lives in the
runtime, not in ``kformat.dask``: the core never imports the runtime, even inside a
function. Dask is the optional ``dask`` extra, imported on first call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kformat.dask import _need_dask
from reference_runtime.saving import load_model

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["predict"]

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, int, int, int, int], Any] = {}
_LOADS: dict[str, int] = {}  # real path -> loads by this process (tests read it on workers)


def _identity(path: str) -> tuple[str, int, int, int, int]:
    real = os.path.realpath(path)
    st = os.stat(real)
    return (real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _model(path: str) -> Any:
    """The model at ``path``, loaded once per process (and again if the file changed)."""
    key = _identity(path)
    with _LOCK:  # a worker with several threads loads once, not once per thread
        model = _MODELS.get(key)
        if model is None:
            model = load_model(path)
            for stale in [k for k in _MODELS if k[0] == key[0]]:
                del _MODELS[stale]
            _MODELS[key] = model
            _LOADS[key[0]] = _LOADS.get(key[0], 0) + 1
    return model


def _load_count(path: str) -> int:
    """How many times this process loaded the model at ``path``."""
    return _LOADS.get(os.path.realpath(path), 0)


def _run(
    path: str, x: Any, batch_size: int | None, version: object = None
) -> list[np.ndarray[Any, Any]]:
    """Every output of the model on ``x``, as a list in ``output_names`` order.

    ``version`` is not used here: the caller passes the file's identity as seen when the
    graph was built, so that it is part of the task's key and a replaced file never gets
    an earlier file's results from Dask's cache of computed keys."""
    import numpy as np

    out = _model(path).predict(x, batch_size=batch_size, verbose=0)
    if isinstance(out, Mapping):
        return [np.asarray(out[k]) for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


def _output_names(path: str, count: int) -> list[str]:
    names = list(getattr(_model(path), "output_names", None) or [])
    return names if len(names) == count else [f"output_{j}" for j in range(count)]


def _input_names(path: str) -> list[str]:
    model = _model(path)
    names = list(getattr(model, "input_names", None) or [])
    return names or [f"input_{j}" for j in range(len(getattr(model, "inputs", None) or [1]))]


def predict(
    model_path: str | os.PathLike[str],
    data: Any,
    *,
    batch_size: int | None = None,
    client: Any = None,
    columns: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
) -> Any:
    """Run the model at ``model_path`` over a Dask array or dataframe, chunk by chunk.

    Each chunk goes through ``reference_runtime``'s ``Model.predict(chunk,
    batch_size=batch_size)`` on a worker, so the outputs equal that call on the same
    rows. The model file must be readable from the client (to learn the output shapes
    from one row of zeros) and from every worker.

    Inputs:
        - a Dask array: rows along axis 0, fed to a single-input model (other axes are
          rechunked to one chunk);
        - a Dask dataframe: a single-input model takes ``columns`` (default: every
          numeric column, in frame order) as a ``(rows, len(columns))`` array; a model
          with several inputs needs ``columns`` as ``{input name: [column, ...]}``.

    Returns:
        For an array: a Dask array per output (one, or a list in output order), chunked
        like the rows of ``data``. For a dataframe: one Dask dataframe with the input's
        index and a column per output value, named after the output (``score``) or, for
        outputs with several values per row, ``score_0``, ``score_1``, ... (C order).
        With ``client``, the result is persisted on its cluster (it starts computing).

    Raises:
        ImportError: dask is missing (``pip install 'kformat[dask]'``).
        TypeError: ``data`` is neither a Dask array nor a Dask dataframe.
        ValueError: a dataframe for a multi-input model without a ``columns`` mapping.
    """
    _need_dask()
    import dask.array as da
    import dask.dataframe as dd

    path = os.fspath(model_path)
    if isinstance(data, da.Array):
        result: Any = _predict_array(path, data, batch_size)
    elif isinstance(data, dd.DataFrame):
        result = _predict_frame(path, data, batch_size, columns)
    else:
        raise TypeError(
            f"data must be a dask.array.Array or dask.dataframe.DataFrame, got {type(data).__name__}"
        )
    return client.persist(result) if client is not None else result


def _predict_array(path: str, x: Any, batch_size: int | None) -> Any:
    import dask
    import dask.array as da
    import numpy as np

    if x.ndim < 1:
        raise ValueError("predict needs an array with a batch axis (axis 0)")
    names = _input_names(path)
    if len(names) != 1:
        raise ValueError(
            f"a Dask array feeds a single-input model; this one has inputs {names}: "
            "pass a Dask dataframe and columns={input name: [column, ...]}"
        )
    if any(n > 1 for n in x.numblocks[1:]):
        x = x.rechunk({axis: -1 for axis in range(1, x.ndim)})
    sample = _run(path, np.zeros((1, *x.shape[1:]), dtype=x.dtype), batch_size)
    version = _identity(path)
    blocks = [
        dask.delayed(_run, pure=True)(path, block, batch_size, version)
        for block in x.to_delayed().ravel()
    ]
    outputs = []
    for j, s in enumerate(sample):
        parts = [
            da.from_delayed(b[j], shape=(rows, *s.shape[1:]), dtype=s.dtype)
            for b, rows in zip(blocks, x.chunks[0], strict=True)
        ]
        outputs.append(da.concatenate(parts, axis=0))
    return outputs[0] if len(outputs) == 1 else outputs


def _input_columns(
    path: str, frame: Any, columns: Sequence[str] | Mapping[str, Sequence[str]] | None
) -> dict[str, list[str]]:
    import pandas as pd

    names = _input_names(path)
    if isinstance(columns, Mapping):
        if sorted(columns) != sorted(names):
            raise ValueError(f"columns must map each model input {names} to columns")
        return {n: list(columns[n]) for n in names}
    if len(names) != 1:
        raise ValueError(
            f"the model has {len(names)} inputs {names}: pass columns={{input name: [column, ...]}}"
        )
    if columns is None:
        columns = [
            c
            for c, t in frame.dtypes.items()
            if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
        ]
    if not columns:
        raise ValueError("the dataframe has no numeric column to feed the model")
    return {names[0]: list(columns)}


def _frame_part(
    part: pd.DataFrame,
    path: str,
    batch_size: int | None,
    inputs: dict[str, list[str]],
    meta: pd.DataFrame,
    version: object = None,
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    if len(part) == 0:
        return meta.iloc[:0].set_axis(part.index[:0])
    # C order, as a NumPy user's rows are: pandas hands back column-major blocks, and BLAS
    # may round differently by layout, so this keeps outputs equal to Model.predict's.
    arrays = {name: np.ascontiguousarray(part[cols].to_numpy()) for name, cols in inputs.items()}
    x: Any = next(iter(arrays.values())) if len(arrays) == 1 else arrays
    flat = [o.reshape(len(part), -1) for o in _run(path, x, batch_size)]
    values = np.concatenate(flat, axis=1) if len(flat) > 1 else flat[0]
    out = pd.DataFrame(values, index=part.index, columns=meta.columns)
    return out.astype(meta.dtypes.to_dict())


def _predict_frame(
    path: str,
    frame: Any,
    batch_size: int | None,
    columns: Sequence[str] | Mapping[str, Sequence[str]] | None,
) -> Any:
    import numpy as np
    import pandas as pd

    inputs = _input_columns(path, frame, columns)
    zeros = {n: np.zeros((1, len(c)), dtype=np.float32) for n, c in inputs.items()}
    sample = _run(path, next(iter(zeros.values())) if len(zeros) == 1 else zeros, batch_size)
    names, dtypes = [], {}
    for name, s in zip(_output_names(path, len(sample)), sample, strict=True):
        width = int(np.prod(s.shape[1:], dtype=np.int64))
        cols = [name] if width == 1 else [f"{name}_{k}" for k in range(width)]
        names += cols
        dtypes.update(dict.fromkeys(cols, s.dtype))
    meta = pd.DataFrame({c: np.empty(0, dtype=dtypes[c]) for c in names})
    # The file's identity is an argument so that it is part of the tasks' keys (see _run).
    return frame.map_partitions(
        _frame_part, path, batch_size, inputs, meta, _identity(path), meta=meta
    )
