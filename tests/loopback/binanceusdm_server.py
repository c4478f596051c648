"""`python -m tests.loopback.binanceusdm_server --port 0 --state-file X`: serve.py for binanceusdm."""

from __future__ import annotations

import sys

from tests.loopback.serve import main

if __name__ == "__main__":
    main(["binanceusdm", *sys.argv[1:]])
