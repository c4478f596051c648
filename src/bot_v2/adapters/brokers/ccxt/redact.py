"""Keeping credentials out of error texts and logs.

ccxt puts request URLs (with query strings and signatures) into exception messages and logs request
headers (with the API key) at DEBUG. Everything that leaves the adapter as text passes `clean`, and
ccxt's own logger is replaced by `RedactingLogger`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
# Secrets shorter than this are placeholders (the same rule as orchestration.config.credentials):
# masking "a" everywhere would garble the text, and real keys and secrets are far longer.
_MIN_SECRET = 4
_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")
# Kraken Futures' signature header is `Authent`; ccxt sends it without a nonce, so a logged one
# would be a replayable request.
_SIGNATURE = re.compile(
    r"(?i)((?:sign(?:ature)?|authent)[\"']?\s*[=:]\s*[\"']?)[0-9a-zA-Z%+/=_-]{8,}"
)
# A user-data-stream key in an answer (`{"listenKey": "..."}`) is logged at DEBUG before the broker
# has read it, so it is masked by its field name as well as by value once known.
_LISTEN_KEY = re.compile(r"(?i)(listen_?key[\"']?\s*[=:]\s*[\"']?)[0-9a-zA-Z%+/=_-]{8,}")


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET:
                variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
        self._secrets = sorted(variants, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """A secret learnt after start (a listen key): masked from now on, like the credentials."""
        if secret and len(secret) >= _MIN_SECRET and secret not in self._secrets:
            variants = {secret, quote(secret, safe=""), quote_plus(secret)}
            self._secrets = sorted(set(self._secrets) | variants, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        # Query strings carry timestamps and signatures; the path is enough to say what failed.
        text = _QUERY.sub(r"\1?…", text)
        text = _SIGNATURE.sub(rf"\g<1>{MASK}", text)
        return _LISTEN_KEY.sub(rf"\g<1>{MASK}", text)


class RedactingLogger:
    """Stands in for ccxt's `exchange.logger`: formats each record, cleans it, then logs it."""

    def __init__(self, logger: logging.Logger, redactor: Redactor) -> None:
        self._logger = logger
        self._redactor = redactor

    def _log(self, level: int, msg: object, *args: object) -> None:
        if not self._logger.isEnabledFor(level):
            return
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = " ".join(str(part) for part in (msg, *args))
        self._logger.log(level, "%s", self._redactor.clean(text))

    def debug(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.DEBUG, msg, *args)

    def info(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.INFO, msg, *args)

    def warning(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.WARNING, msg, *args)

    def error(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.ERROR, msg, *args)

    def exception(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.ERROR, msg, *args)

    def critical(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.CRITICAL, msg, *args)
