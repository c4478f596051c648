"""Options every command that loads a configuration shares."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="dev", help="dev | canary | prod (default: dev)")
    parser.add_argument(
        "--config", type=Path, default=None, help="TOML file layered on the profile"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting (repeatable); beats files and environment",
    )
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING (default)")
