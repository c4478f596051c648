"""Entry point: parse, load the configuration, dispatch to a command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot_v2.cli import account as account_command
from bot_v2.cli import backtest as backtest_command
from bot_v2.cli import ctl as ctl_command
from bot_v2.cli import data as data_command
from bot_v2.cli import optimize as optimize_command
from bot_v2.cli import orders as orders_command
from bot_v2.cli import risk as risk_command
from bot_v2.cli import run as run_command
from bot_v2.cli import state as state_command
from bot_v2.cli import strategy as strategy_command
from bot_v2.cli.errors import EXIT_USAGE, report
from bot_v2.cli.options import add_config_options
from bot_v2.domain.errors import BotError
from bot_v2.orchestration.config import load_config, render_config_show

COMMANDS = ("run", "config", "account", "orders", "risk", "ctl")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perps-bot", description="Trade perpetual futures.")
    sub = parser.add_subparsers(dest="command")
    run_p = sub.add_parser("run", help="run the bot (the default command)")
    add_config_options(run_p)
    run_command.add_arguments(run_p)
    config_p = sub.add_parser("config", help="inspect configuration")
    config_sub = config_p.add_subparsers(dest="config_command", required=True)
    show_p = config_sub.add_parser("show", help="print the effective config with its sources")
    add_config_options(show_p)
    # Listed here for --help only: `backtest` parses its own arguments (main() hands them over).
    sub.add_parser(
        "backtest",
        help="run a strategy over recorded candles on the simulated exchange "
        "(perps-bot backtest --help)",
        add_help=False,
    )
    sub.add_parser(
        "data",
        help="download a venue's public candles, marks and funding (perps-bot data --help)",
        add_help=False,
    )
    sub.add_parser(
        "optimize",
        help="search a strategy's parameters, walk-forward, on Ray (perps-bot optimize --help)",
        add_help=False,
    )
    sub.add_parser(
        "state",
        help="back up or restore the state database (perps-bot state --help)",
        add_help=False,
    )
    account_p = sub.add_parser("account", help="read the account on the configured venue")
    account_sub = account_p.add_subparsers(dest="account_command", required=True)
    snapshot_p = account_sub.add_parser(
        "snapshot", help="balances, positions, open orders, leverage and margin mode per symbol"
    )
    add_config_options(snapshot_p)
    account_command.add_arguments(snapshot_p)
    orders_p = sub.add_parser("orders", help="orders without sending them")
    orders_sub = orders_p.add_subparsers(dest="orders_command", required=True)
    preview_p = orders_sub.add_parser(
        "preview", help="run every risk check and quantization; show the order, send nothing"
    )
    add_config_options(preview_p)
    orders_command.add_arguments(preview_p)
    risk_p = sub.add_parser("risk", help="the risk state kept across restarts")
    risk_sub = risk_p.add_subparsers(dest="risk_command", required=True)
    add_config_options(risk_sub.add_parser("show", help="print the kept risk state"))
    clear_p = risk_sub.add_parser("clear", help="lift a day halt, reduce-only or kill switch")
    add_config_options(clear_p)
    risk_command.add_clear_arguments(clear_p)
    ctl_p = sub.add_parser("ctl", help="steer the running bot through its operator API")
    add_config_options(ctl_p)
    ctl_command.add_arguments(ctl_p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["backtest"]:
        return backtest_command.main(args_list[1:])
    if args_list[:1] == ["data"]:
        return data_command.main(args_list[1:])
    if args_list[:1] == ["optimize"]:
        return optimize_command.main(args_list[1:])
    if args_list[:1] == ["state"]:
        return state_command.main(args_list[1:])
    if args_list[:1] == ["strategy"]:
        return strategy_command.main(args_list[1:])
    if not args_list or args_list[0] not in (*COMMANDS, "-h", "--help"):
        args_list.insert(0, "run")
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "ctl":
            return ctl_command.run(args)
        loaded = load_config(args.profile, args.config, os.environ, args.overrides)
        if args.command == "config":
            print(render_config_show(loaded), end="")
            return 0
        if args.command == "account":
            return account_command.run(loaded, args.json)
        if args.command == "orders":
            return orders_command.run(loaded, args)
        if args.command == "risk":
            return risk_command.run(loaded, args)
        return run_command.run(loaded, args.cycles)
    except BotError as exc:
        return report(exc)
    except KeyboardInterrupt:
        return EXIT_USAGE + 128


if __name__ == "__main__":
    sys.exit(main())
