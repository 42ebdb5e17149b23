"""``python -m kformat.conformance``."""

from __future__ import annotations

import sys

from kformat.conformance._cli import main

if __name__ == "__main__":
    sys.exit(main())
