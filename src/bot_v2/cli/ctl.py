"""`perps-bot ctl status | pause | resume | reduce-only on|off | flatten [SYMBOL] | kill`: the
operator API's controls from a shell. It talks to the running bot over HTTP (httpx): the address
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
from pathlib import Path
from typing import Any

import httpx

from bot_v2.orchestration.config import load_config, resolve_data_dir

EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_DENIED = 1, 2, 3, 4
ACTIONS = ("status", "pause", "resume", "reduce-only", "flatten", "kill")


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
    if arg:
        raise ValueError(f"{action} takes no argument")
    return "POST", f"/api/v1/control/{action}", None


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
