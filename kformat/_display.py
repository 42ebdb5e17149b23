"""Text from a file made safe to print: visible escapes and a length cap (spec/format.md §11.3).

Names inside a file (class names, layer names, zip member names, JSON keys) end
up in reports. Printed raw, an ESC sequence can rewrite a terminal, a CR/LF
can start a new line that a CI system reads as a command (GitHub's
``::error …``), a bidi override can make a line read differently from what it
holds, and a lone surrogate (legal in JSON ``\\ud800`` escapes) cannot be
encoded at all. Every string that came from a file goes through :func:`clean`
before any reporter sees it.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, TextIO

__all__ = ["MAX_CHARS", "PATH_CHARS", "clean", "clean_tree", "emit"]

#: the longest string a report prints of one name, path or message
MAX_CHARS = 200
#: file names given on the command line or found in a directory are escaped
#: but cut only past the longest path an operating system takes (Linux PATH_MAX)
PATH_CHARS = 4096

# C0 controls, DEL, C1 controls; the Arabic letter mark, LRM/RLM, the line and
# paragraph separators, the bidi embeddings/overrides U+202A-U+202E and
# isolates U+2066-U+2069 (Unicode UAX #9, the "Trojan Source" characters);
# every surrogate code point (only a lone one can reach a ``str``).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` with every unsafe character shown as a visible escape
    (``\\x1b``, ``\\u202e``, ``\\r``, ``\\n``) and cut to ``limit`` characters
    of the original, ending in ``…`` when it was longer."""
    cut = len(text) > limit
    if cut:
        text = text[:limit]
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(_escape, text)
    return f"{text}…" if cut else text


def clean_tree(value: Any) -> Any:
    """``value`` (decoded JSON from a file, or a report built from one) with every string
    and every key through :func:`clean`, ready for ``json.dumps``."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v) for v in value]
    return value


def emit(text: str, stream: TextIO | None = None) -> bool:
    """Write ``text`` to ``stream`` (standard output); False when its reader
    has gone (a closed pipe: ``kformat info x | head``).

    Characters the stream cannot encode are written as backslash escapes
    instead of raising. On a closed pipe, standard output is pointed at the
    null device, as the Python documentation advises (library/signal.html,
    "Note on SIGPIPE"), so that the interpreter's final flush does not print a
    second error; the caller exits quietly, like ruff and ripgrep do.
    """
    out = sys.stdout if stream is None else stream
    encoding = getattr(out, "encoding", None) or "utf-8"
    text = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        if out is sys.stdout:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, out.fileno())
            except (OSError, ValueError):
                pass  # no file descriptor behind it: nothing will flush it again
        return False
    return True
