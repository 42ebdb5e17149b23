"""Running the parity suite: export each case, reload it, run ``serve``, compare.

Tolerances come with each case (:mod:`tools.export_parity._cases`); differences are
reported as the largest absolute and relative difference over every output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from reference_runtime._backend import flatten, map_structure, pack_like
from tools.export_parity._cases import Case, Result, corpus_cases, custom_objects, runtime_cases
from tools.export_parity._zoo import zoo_cases

__all__ = ["all_cases", "compare", "export_case", "format_table", "run_case", "run_saved_model"]


def all_cases() -> list[Case]:
    """The whole parity suite: both corpora of the checkout, then the zoo."""
    return [*corpus_cases(), *runtime_cases(), *zoo_cases()]


def export_case(case: Case, model: Any, path: Path) -> None:
    """Export ``case`` to ``path``: from its ``.keras`` file when it has one, else the model."""
    from reference_runtime.export import export_saved_model

    if case.source is not None:
        export_saved_model(case.source, path, custom_objects=custom_objects())
    else:
        export_saved_model(model, path)


def _signature_dtypes(loaded: Any) -> list[Any]:
    concrete = loaded.serve.concrete_functions[0]
    return flatten(list(concrete.structured_input_signature[0]))


def run_saved_model(loaded: Any, feed: Any, device: str | None = None) -> Any:
    """``loaded.serve(feed)`` (feed cast to the signature dtypes) as NumPy arrays."""
    import tensorflow as tf

    specs = iter(_signature_dtypes(loaded))

    def cast(x: Any) -> Any:
        return tf.cast(tf.constant(np.asarray(x)), next(specs).dtype)

    args = pack_like(feed, [cast(x) for x in flatten(feed)])
    if device is None:
        out = loaded.serve(args)
    else:
        with tf.device(device):
            out = loaded.serve(args)
    return map_structure(lambda t: t.numpy(), out)


def compare(case: str, device: str, got: Any, want: Any, rtol: float, atol: float) -> Result:
    """Max abs / rel difference over every output, and whether all are within tolerance."""
    got_leaves, want_leaves = flatten(got), flatten(want)
    max_abs = max_rel = 0.0
    ok = len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves, strict=False):
        g64 = np.asarray(g).astype(np.float64)
        w64 = np.asarray(w).astype(np.float64)
        if g64.shape != w64.shape:
            ok = False
            continue
        if not g64.size:
            continue
        diff = np.abs(g64 - w64)
        max_abs = max(max_abs, float(diff.max()))
        big = np.abs(w64) > atol  # relative differences of near-zero values say nothing
        if big.any():
            max_rel = max(max_rel, float((diff[big] / np.abs(w64[big])).max()))
        ok = ok and bool(np.all(diff <= atol + rtol * np.abs(w64)))
    return Result(case, device, max_abs, max_rel, ok)


def run_case(case: Case, workdir: Path, devices: list[str]) -> list[Result]:
    """Export ``case`` once, reload it, run ``serve`` on each device, compare with NumPy.

    Returns no results when the runtime refuses a ``may_refuse`` case.
    """
    import tensorflow as tf

    from kformat.errors import KFormatError

    try:
        model = case.build()
    except KFormatError:
        if case.may_refuse:
            return []
        raise
    feed = case.feed()
    want = model(feed)
    path = workdir / case.name.replace("/", "__")
    export_case(case, model, path)
    loaded = tf.saved_model.load(str(path))
    results = []
    for device in devices:
        got = run_saved_model(loaded, feed, device)
        results.append(compare(case.name, device, got, want, case.rtol, case.atol))
    return results


def format_table(results: list[Result]) -> str:
    """The results as a fixed-width text table."""
    width = max([len("case"), *(len(r.case) for r in results)])
    lines = [f"{'case':<{width}}  {'device':<8}  {'max abs diff':>12}  {'max rel diff':>12}  pass"]
    lines.append("-" * len(lines[0]))
    for r in results:
        mark = "yes" if r.ok else "NO"
        lines.append(
            f"{r.case:<{width}}  {r.device:<8}  {r.max_abs:>12.3g}  {r.max_rel:>12.3g}  {mark}"
        )
    return "\n".join(lines)
