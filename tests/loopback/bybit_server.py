"""`python -m tests.loopback.bybit_server --port 0 --state-file X`: serve.py for bybit."""

from __future__ import annotations

import sys

from tests.loopback.serve import main

if __name__ == "__main__":
    main(["bybit", *sys.argv[1:]])
