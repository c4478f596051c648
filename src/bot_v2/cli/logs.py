"""The run's logs: stderr at --log-level, and a rotating file in the data directory
(<data_dir>/logs/perps-bot.log, or perps-bot.jsonl for JSON lines) at `logging.level`.

Both pass one redaction filter, the broker's `Redactor` over the configured credentials: the ccxt
adapter already cleans what it logs (and masks a listen key once learnt), and this filter is the
defence in depth for any other line, so the file never holds what stderr would not show."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.domain.errors import StateError
from bot_v2.orchestration.config.models import LoggingSection, Secrets

LOG_DIR = "logs"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path(data_dir: Path, settings: LoggingSection) -> Path:
    suffix = "jsonl" if settings.format == "json" else "log"
    return data_dir / LOG_DIR / f"perps-bot.{suffix}"


class RedactingFilter(logging.Filter):
    """Cleans a record's finished text (message, traceback, stack) before any handler formats it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        clean = self._redactor.clean
        record.msg, record.args = clean(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exception"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False)


@contextmanager
def run_logs(settings: LoggingSection, data_dir: Path, secrets: Secrets) -> Iterator[Path | None]:
    """For the length of a run: the redaction on every root handler and, when enabled, the log
    file. Yields the file's path (None when disabled); everything is taken back afterwards."""
    root = logging.getLogger()
    redacting = RedactingFilter(Redactor(secrets.redacted))
    stderr_handlers = list(root.handlers)
    saved_levels = [(h, h.level) for h in stderr_handlers]
    root_level = root.level
    for handler in stderr_handlers:
        handler.addFilter(redacting)
        # The root lets through what the file wants; the stderr handlers keep --log-level.
        if handler.level == logging.NOTSET:
            handler.setLevel(root_level)
    file_handler = _file_handler(settings, data_dir, redacting) if settings.enabled else None
    if file_handler is not None:
        root.addHandler(file_handler)
        root.setLevel(min(root_level, file_handler.level))
    try:
        yield None if file_handler is None else log_path(data_dir, settings)
    finally:
        if file_handler is not None:
            root.removeHandler(file_handler)
            file_handler.close()
        root.setLevel(root_level)
        for handler, level in saved_levels:
            handler.removeFilter(redacting)
            handler.setLevel(level)


def _file_handler(
    settings: LoggingSection, data_dir: Path, redacting: logging.Filter
) -> logging.Handler:
    path = log_path(data_dir, settings)
    try:
        path.parent.mkdir(exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=settings.max_bytes, backupCount=settings.backup_count, encoding="utf-8"
        )
    except OSError as exc:
        raise StateError(f"cannot open the log file {path}: {exc.strerror or exc}") from None
    handler.setLevel(settings.level.upper())
    json_lines = settings.format == "json"
    handler.setFormatter(JsonLinesFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(redacting)
    return handler
