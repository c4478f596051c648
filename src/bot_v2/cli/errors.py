"""One line per problem on stderr, never a traceback, and the exit code says what kind."""

from __future__ import annotations

import sys

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
