"""`python -m tests.loopback.okx_server --port 0 --state-file X`: serve.py for okx."""

from __future__ import annotations

import sys

from tests.loopback.serve import main

if __name__ == "__main__":
    main(["okx", *sys.argv[1:]])
