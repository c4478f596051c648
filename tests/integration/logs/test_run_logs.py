"""The run's log file on a real directory: redaction of the configured secrets wherever a line
carries them (message, arguments, traceback), size rotation within its bounds, and the process's
logging put back as it was after the run."""

from __future__ import annotations

import json
import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from bot_v2.cli.logs import run_logs
from bot_v2.orchestration.config.models import LoggingSection, Secrets

KEY = "k3y-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
SECRET = "s3cr3t/BBBBBBBBBBBBBBBBBBBBBBBB+="
SECRETS = Secrets(api_key=KEY, api_secret=SECRET)


@pytest.fixture
def stderr_handler() -> logging.Handler:
    """Stands in for the stderr handler `main` installs at --log-level WARNING."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    saved = (root.level, list(root.handlers))
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    yield handler
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]


def leak_everything(logger: logging.Logger) -> None:
    logger.info("signing with %s and %s", KEY, SECRET)
    logger.warning(f"url https://venue/api?secret={SECRET}&x=1")
    try:
        raise RuntimeError(f"the venue said no to {KEY}")
    except RuntimeError:
        logger.exception("failed")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_the_file(
    tmp_path: Path, stderr_handler: logging.Handler, fmt: str
) -> None:
    with run_logs(LoggingSection(format=fmt), tmp_path, SECRETS) as path:
        assert path is not None
        leak_everything(logging.getLogger("anything.at.all"))
    text = path.read_text()
    assert KEY not in text and SECRET not in text
    assert "signing with *** and ***" in text
    assert "RuntimeError: the venue said no to ***" in text
    if fmt == "json":
        records = [json.loads(line) for line in text.splitlines()]
        assert [r["level"] for r in records] == ["INFO", "WARNING", "ERROR"]
        assert "Traceback" in records[2]["exception"]


def test_the_file_rotates_and_keeps_backup_count_files(
    tmp_path: Path, stderr_handler: logging.Handler
) -> None:
    settings = LoggingSection(max_bytes=65_536, backup_count=2)
    with run_logs(settings, tmp_path, SECRETS) as path:
        assert path is not None
        for i in range(2_000):
            logging.getLogger("x").info("line %05d %s", i, "." * 100)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["perps-bot.log", "perps-bot.log.1", "perps-bot.log.2"]
    assert all(p.stat().st_size <= 65_536 for p in path.parent.iterdir())
    assert "line 01999" in path.read_text()


def test_stderr_keeps_its_level_and_logging_is_restored(
    tmp_path: Path, stderr_handler: logging.Handler
) -> None:
    root = logging.getLogger()
    with run_logs(LoggingSection(level="debug"), tmp_path, SECRETS) as path:
        assert root.level == logging.DEBUG  # the file's level gets through the root ...
        assert stderr_handler.level == logging.WARNING  # ... while stderr keeps --log-level
        assert stderr_handler.filters  # and is redacted the same way
    assert root.level == logging.WARNING
    assert not any(isinstance(h, RotatingFileHandler) for h in root.handlers)
    assert stderr_handler.level == logging.NOTSET and not stderr_handler.filters
    assert path is not None and path.exists()


def test_disabled_writes_no_file(tmp_path: Path, stderr_handler: logging.Handler) -> None:
    with run_logs(LoggingSection(enabled=False), tmp_path, SECRETS) as path:
        logging.getLogger("x").warning("hello")
    assert path is None
    assert not (tmp_path / "logs").exists()
