"""`perps-bot state backup [--profile P | --data-dir D] [--to FILE]` and
`perps-bot state restore FILE [--profile P | --data-dir D]`.

A backup is taken while the bot runs (SQLite's online backup API). A restore needs the bot
stopped: it takes the data-directory lock for its whole duration, so no bot starts half way. Each
refusal is one line on stderr and exit code 2, with nothing written."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot_v2.adapters.storage.lock import DataDirInUse, DataDirLock
from bot_v2.adapters.storage.sqlite.backup import backup, check_backup, restore
from bot_v2.cli.errors import EXIT_OK, EXIT_USAGE
from bot_v2.cli.errors import report as report_config_error
from bot_v2.cli.options import add_config_options
from bot_v2.domain.errors import BotError, ConfigError, StateError
from bot_v2.orchestration.config import load_config, resolve_data_dir
from bot_v2.orchestration.factories import state_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perps-bot state", description="Back up and restore the bot's state database."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    backup_p = sub.add_parser(
        "backup", help="copy the state database, consistently, even while the bot runs"
    )
    _add_where(backup_p)
    backup_p.add_argument(
        "--to",
        type=Path,
        default=None,
        help="the backup file to create (default: <data_dir>/backups/state-<UTC time>.db)",
    )
    restore_p = sub.add_parser(
        "restore", help="replace the state database with a backup (the bot must be stopped)"
    )
    restore_p.add_argument("file", type=Path, help="a file made by `perps-bot state backup`")
    _add_where(restore_p)
    return parser


def _add_where(parser: argparse.ArgumentParser) -> None:
    add_config_options(parser)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the bot's data directory (default: bot.data_dir of --profile/--config)",
    )


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        data_dir = _data_dir(args)
        if args.action == "backup":
            return _backup(data_dir, args.to)
        return _restore(data_dir, args.file)
    except ConfigError as exc:
        return report_config_error(exc)
    except BotError as exc:
        print(f"perps-bot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_USAGE + 128


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir).expanduser()
    loaded = load_config(args.profile, args.config, os.environ, args.overrides)
    return resolve_data_dir(loaded.config)


def _backup(data_dir: Path, to: Path | None) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = to if to is not None else data_dir / "backups" / f"state-{stamp}.db"
    contents = backup(state_path(data_dir), target)
    print(f"backup: {target} ({contents.describe()})")
    return EXIT_OK


def _restore(data_dir: Path, file: Path) -> int:
    state = state_path(data_dir)
    check_backup(file)  # a bad file is refused before the lock file or anything else is written
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()
    except DataDirInUse as exc:
        raise StateError(
            f"data directory {data_dir} is in use by a running perps-bot{exc.holder}: stop it "
            "before restoring (a backup can be taken while it runs)"
        ) from None
    try:
        contents, kept = restore(file, state)
    finally:
        lock.release()
    print(f"restored: {file} into {state} ({contents.describe()})")
    if kept is not None:
        print(f"the replaced database is kept as {kept}")
    print("the next start reconciles it with the venue")
    return EXIT_OK
