"""DataDirLock: one bot per data directory. An advisory lock (flock) on `<data_dir>/bot.lock` is held
for the whole run; the kernel drops it when the process ends, however it ends (kill -9 included),
so a restart never finds a stale lock."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from bot_v2.domain.errors import StateError

LOCK_NAME = "bot.lock"


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Create the directory if needed and take the lock; StateError when it is unwritable or
        another bot holds it."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(
                f"data directory {self.data_dir} is not writable ({exc.strerror or exc})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise StateError(
                f"data directory {self.data_dir} is in use by another perps-bot{holder} "
                f"holding {self.path.name}; stop it first, or give this one another bot.data_dir"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StateError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        # Who holds it, for the message the next bot prints. Written after locking, so it is ours.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""
