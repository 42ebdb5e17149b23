"""A progress bar on standard error for work that can take more than a second.

Shown only on a terminal, never with ``--quiet``, and only once the work has
run for a second (tqdm's ``delay``), so short runs and pipes print nothing.
tqdm is an optional dependency (the ``progress`` extra): without it the work
runs the same, without a bar; the core keeps to numpy, h5py, jsonschema and
ml_dtypes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["bar"]

#: seconds of work before the bar appears
DELAY = 1.0


@contextlib.contextmanager
def bar(
    total: int, desc: str, *, quiet: bool = False, unit: str = "B"
) -> Iterator[Callable[[int], None]]:
    """Yield ``update(done)`` for a bar of ``total`` bytes, or of ``total``
    ``unit`` (e.g. ``"file"``) when ``unit`` is not ``"B"``; a no-op when hidden."""
    stream = sys.stderr
    if quiet or total <= 0 or not (hasattr(stream, "isatty") and stream.isatty()):
        yield lambda done: None
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield lambda done: None
        return
    progress = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == "B",
        unit_divisor=1024,
        file=stream,
        delay=DELAY,
        leave=False,
        dynamic_ncols=True,
    )

    def update(done: int) -> None:
        progress.update(min(done, total) - progress.n)

    try:
        yield update
    finally:
        progress.close()
