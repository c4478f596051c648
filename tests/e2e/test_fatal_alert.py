"""The run ending on an error nobody handled sends one `fatal` alert before the process exits: the
real `perps-bot` on the canary profile against the loopback Binance venue, which refuses the bot's
signed requests (the venue holds another API secret), with the generic webhook on."""

from __future__ import annotations

import subprocess
from pathlib import Path

import tomli_w

from tests.alertloopback import Receiver
from tests.alertloopback.receivers import WEBHOOK_PATH
from tests.e2e._cli import BIN, cli_env, loopback_venue
from tests.loopback import API_SECRET, ccxt_config_for


def test_an_unhandled_error_ends_the_run_with_a_fatal_alert(tmp_path: Path) -> None:
    with (
        loopback_venue(tmp_path, "--api-secret", "not-" + API_SECRET) as url,
        Receiver("webhook").running() as receiver,
    ):
        config = tmp_path / "canary.toml"
        config.write_text(
            tomli_w.dumps(
                {
                    "bot": {"cycle_interval_s": 1, "data_dir": str(tmp_path / "var")},
                    "broker": {"ccxt_config": ccxt_config_for("binanceusdm", url)},
                    "streaming": {"enabled": False, "user_stream": False},
                    "monitoring": {"http_port": 0},
                    "alerts": {"notifiers": ["webhook"]},
                }
            )
        )
        env = {**cli_env(secrets=True), "PERPS_WEBHOOK_URL": receiver.url}
        command = [str(BIN), "--profile", "canary", "--config", str(config), "--cycles", "3"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0, done.stdout[-2000:]
    [fatal] = [r.body for r in receiver.delivered() if r.body["kind"] == "fatal"]
    assert fatal["severity"] == "critical"
    assert fatal["title"] == "the bot stopped on an error"
    assert fatal["text"].startswith("AuthenticationFailed")
    assert fatal["source"].endswith("(canary)")
    assert WEBHOOK_PATH not in done.stdout + done.stderr
    assert API_SECRET not in fatal["text"]
