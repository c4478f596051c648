"""The repository root on sys.path, so these tests can import the shared `tests.loopback` package.

No __init__.py here on purpose: should tests/integration ever stop being a package, this directory
would become a top-level package named `ccxt` and shadow the real ccxt."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.append(ROOT)
