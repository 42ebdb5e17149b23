"""``python -m kformat.validate FILE...``."""

from __future__ import annotations

import sys

from kformat.validate._cli import main

if __name__ == "__main__":
    sys.exit(main())
