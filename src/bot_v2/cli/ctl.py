"""`perps-bot ctl status | pause | resume | reduce-only on|off | flatten [SYMBOL] | kill |
strategy-params --param KEY=VALUE... [--slot LABEL|INDEX]`: the operator API's controls from a shell. It talks to the running bot over HTTP (httpx): the address
is --url, else the one the bot wrote to <data_dir>/http.addr for --profile; the token is
PERPS_OPERATOR_TOKEN (PERPS_VIEWER_TOKEN suffices for status). A control waits up to --wait
seconds for the bot to apply it between two cycles.

Exit codes: 0 applied or unchanged (or status shown); 1 the bot refused it (the line says why) or
it is still queued after --wait; 2 bad usage or no token; 3 the bot cannot be reached; 4 the
token was not accepted (401/403)."""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bot_v2.orchestration.config import load_config, resolve_data_dir
from bot_v2.orchestration.config.layers import parse_literal

EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_DENIED = 1, 2, 3, 4
ACTIONS = ("status", "pause", "resume", "reduce-only", "flatten", "kill", "strategy-params")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument(
        "arg", nargs="?", default="", help="on|off for reduce-only; a symbol for flatten"
    )
    parser.add_argument(
        "--url", default="", help="the bot's address (default: <data_dir>/http.addr)"
    )
    parser.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the next cycle to apply it"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="strategy-params: a parameter and its new value, as --set writes it "
        "(lookback=96; an ensemble member's: momentum.lookback=96); repeatable",
    )
    parser.add_argument(
        "--slot",
        default=None,
        help="strategy-params: the [[strategies]] slot to change, by its label or index",
    )


def _fail(code: int, message: str) -> int:
    print(f"perps-bot ctl: {message}", file=sys.stderr)
    return code


def _address(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url).rstrip("/")
    loaded = load_config(args.profile, args.config, os.environ, args.overrides)
    path = Path(resolve_data_dir(loaded.config)) / "http.addr"
    if not path.exists():
        raise LookupError(
            f"no {path}: is the bot running with --profile {args.profile}? (or --url)"
        )
    return path.read_text().strip()


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, body) for the asked action."""
    action, arg = args.action, args.arg
    if action == "status":
        return "GET", "/api/v1/status", None
    if action == "reduce-only":
        if arg not in ("on", "off"):
            raise ValueError("reduce-only takes on or off")
        return "POST", f"/api/v1/control/reduce_only/{arg}", None
    if action == "flatten":
        return "POST", "/api/v1/control/flatten", {"symbol": arg} if arg else None
    if action == "strategy-params":
        if arg:
            raise ValueError("strategy-params takes --param KEY=VALUE (and --slot), no argument")
        return "POST", "/api/v1/control/strategy_params", _params_body(args.param, args.slot)
    if arg:
        raise ValueError(f"{action} takes no argument")
    return "POST", f"/api/v1/control/{action}", None


def _params_body(items: list[str], slot: str | None) -> dict[str, Any]:
    """{"params": {...}, "slot": ...} from `--param` items: values read as TOML literals like
    --set's (`96`, `0.5`, `true`; anything else the text), Decimals sent as text so no digit is
    lost on the way (the bot's converter reads a number from text)."""
    if not items:
        raise ValueError("strategy-params needs at least one --param KEY=VALUE")
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        parts = [part.strip() for part in key.split(".")]
        if not sep or not all(parts):
            raise ValueError(f"--param {key.strip()!r}: expected KEY=VALUE")
        value = parse_literal(text.strip())
        table = params
        for part in parts[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise ValueError(f"--param {key.strip()!r}: {part} is a value, not a table")
        table[parts[-1]] = str(value) if isinstance(value, Decimal) else value
    body: dict[str, Any] = {"params": params}
    if slot is not None:
        body["slot"] = int(slot) if slot.isdigit() else slot
    return body


def run(args: argparse.Namespace) -> int:
    try:
        method, path, body = _request(args)
    except ValueError as exc:
        return _fail(EXIT_USAGE, str(exc))
    # The viewer token alone reads; a control sent with it gets the bot's own 403.
    token = os.environ.get("PERPS_OPERATOR_TOKEN") or os.environ.get("PERPS_VIEWER_TOKEN", "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        url = _address(args)
        response = httpx.request(
            method,
            url + path,
            json=body,
            headers=headers,
            params={"wait_s": args.wait} if method == "POST" else None,
            timeout=args.wait + 10,
        )
    except LookupError as exc:
        return _fail(EXIT_UNREACHABLE, str(exc))
    except httpx.HTTPError as exc:
        return _fail(EXIT_UNREACHABLE, f"cannot reach the bot: {type(exc).__name__}")
    return _show(args.action, response)


def _show(action: str, response: httpx.Response) -> int:
    try:
        doc = response.json()
    except ValueError:
        doc = {}
    if response.status_code in (401, 403):
        return _fail(EXIT_DENIED, f"{response.status_code}: {doc.get('detail', 'not allowed')}")
    if action == "status" and response.status_code == 200:
        flags = [name for name, on in doc.get("flags", {}).items() if on]
        print(
            f"{doc.get('state')} cycle {doc.get('cycle')} equity {doc.get('equity')} "
            f"positions {doc.get('open_positions')} flags {', '.join(flags) or '-'}"
        )
        for name, reason in doc.get("reasons", {}).items():
            print(f"  {name}: {reason}")
        return 0
    status, detail = doc.get("status", ""), doc.get("detail", "")
    line = f"{action}: {status or response.status_code}{f' ({detail})' if detail else ''}"
    if response.status_code == 200:
        print(line)
        return 0
    if response.status_code == 202:
        return _fail(EXIT_REFUSED, f"{action}: still queued; it applies at the next cycle")
    return _fail(EXIT_REFUSED, line)
