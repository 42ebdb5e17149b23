"""The progress bar ``Model.predict`` prints (``keras/src/utils/progbar.py``).

The same text as Keras' ``Progbar`` as ``ProgbarLogger`` drives it during
``predict`` (``keras/src/callbacks/progbar_logger.py``): ``verbose=1``
redraws one line (``"\\b" * width + "\\r"`` before each redraw, at most every
0.05 s, then a final redraw and a newline), ``verbose=2`` prints one line at
the end, ``verbose=0`` nothing. No metrics: ``predict`` reports none.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

__all__ = ["Progbar", "resolve_verbose"]


def resolve_verbose(verbose: Any) -> Any:
    """``ProgbarLogger.set_params``: ``"auto"`` is 1 (Keras 3 no longer asks
    whether stdout is a terminal); any other value is kept, and a falsy one
    adds no progress bar (values other than 1 and 2 then print nothing)."""
    return 1 if verbose == "auto" else verbose


class Progbar:
    """Progress over ``target`` steps, printed to stdout.

    Args:
        target: the number of steps.
        verbose: 1 (a redrawn bar) or 2 (one line at the end).
        width: the bar's width in characters.
        interval: the least time between two redraws, in seconds.
    """

    def __init__(self, target: int, verbose: Any = 1, width: int = 20, interval: float = 0.05):
        self.target = target
        self.verbose = verbose
        self.width = width
        self.interval = interval
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(self, current: int, finalize: bool = False) -> None:
        """Show ``current`` steps done (``finalize``: the last update)."""
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            # Keras' ``_dynamic_display`` holds wherever ``posix`` is imported.
            message = "\b" * self._prev_total_width + "\r"
            special = 0
            if self.target > 0:
                digits = int(math.log10(self.target)) + 1
                bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
                special += 8
                done = int(self.width * current / self.target)
                if done > 0:
                    bar += f"\33[32m{'━' * done}\x1b[0m"
                    special += 9
                bar += f"\33[37m{'━' * (self.width - done)}\x1b[0m"
                special += 9
            else:
                bar = f"{current:7d}/Unknown"
            message += bar
            if self.target > 0 and not finalize:
                info = f" \x1b[1m{_eta(per_step * (self.target - current))}\x1b[0m"
            else:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            special += 8
            info += _format_time(per_step)
            message += info
            total_width = len(bar) + len(info) - special
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            if finalize:
                message += "\n"
            _write(message)
            self._prev_total_width = total_width
        elif self.verbose == 2 and finalize and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            _write(line + _format_time(per_step) + "\n")
        self._last_update = now

    def _step_duration(self, current: int, now: float) -> float:
        # Progbar._estimate_step_duration: the first step (warm-up) is left out
        # of the estimate once there are more.
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step


def _eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_time(per_step: float) -> str:
    if per_step >= 1 or per_step == 0:
        return f" {per_step:.0f}s/step"
    if per_step >= 1e-3:
        return f" {per_step * 1000.0:.0f}ms/step"
    return f" {per_step * 1000000.0:.0f}us/step"


def _write(message: str) -> None:
    sys.stdout.write(message)
    sys.stdout.flush()
