"""The real `perps-bot` command on the dev profile with the generic webhook on: the replay's
positions reach a loopback receiver, the webhook URL appears in no output and no log file (at
DEBUG, where httpx logs every request), and a notifier without its environment variable stops the
start with one line and exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.alertloopback import Receiver
from tests.alertloopback.receivers import WEBHOOK_PATH
from tests.e2e._cli import cli_env, dev_command

ALERTS_ON = ("--set", 'alerts.notifiers=["webhook"]')


def test_dev_run_sends_position_alerts_to_the_webhook_and_logs_no_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    with Receiver("webhook").running() as receiver:
        command = dev_command(
            data_dir, "--cycles", "150", "--log-level", "DEBUG", *ALERTS_ON,
            "--set", "replay.pace_ms=0", "--set", "logging.level=DEBUG",
            "--set", "alerts.rate_limit_per_min=600", "--set", "alerts.queue_size=1000",
        )  # fmt: skip
        env = {**cli_env(), "PERPS_WEBHOOK_URL": receiver.url}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = [r.body["kind"] for r in receiver.delivered()]
    assert "position_opened" in got and "position_closed" in got
    logs = "".join(p.read_text() for p in (data_dir / "logs").iterdir())
    assert "HTTP Request: POST" in logs  # httpx's request lines are there, masked
    for text in (done.stdout, done.stderr, logs):
        assert WEBHOOK_PATH not in text


def test_a_notifier_without_its_environment_variable_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    command = dev_command(data_dir, "--cycles", "1", *ALERTS_ON)
    done = subprocess.run(command, capture_output=True, text=True, env=cli_env(), timeout=120)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "secrets: alerts.notifiers has webhook, which needs PERPS_WEBHOOK_URL in the environment"
        )
    )
    assert not (data_dir / "state.db").exists()
