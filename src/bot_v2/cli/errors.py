"""One line per problem on stderr, never a traceback, and the exit code says what kind."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from bot_v2.domain.errors import BotError, ConfigError, DataError

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


def report(exc: BotError) -> int:
    if isinstance(exc, ConfigError):
        for line in exc.lines:
            print(f"perps-bot: {line}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, DataError):
        # Bad input like a bad config: the message already names the file and line.
        print(f"perps-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"perps-bot: error: {exc}", file=sys.stderr)
    return EXIT_RUNTIME


def run_reporting(args: argparse.Namespace, run: Callable[[argparse.Namespace], int]) -> int:
    """A subcommand's body under the house's error rules: logging at `--log-level` on stderr, a
    BotError as its one line and exit code, Ctrl-C as 130."""
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return run(args)
    except BotError as exc:
        return report(exc)
    except KeyboardInterrupt:
        return EXIT_USAGE + 128
