"""DataDirLock: one bot per data directory. An advisory lock (flock) on the data directory itself is
held for the whole run; the kernel drops it when the process ends, however it ends (kill -9
included), so a restart never finds a stale lock.

Locking the directory needs no file, so taking the lock writes nothing: a start refused after it
(a database the bot must not use) leaves the directory exactly as it was. `<data_dir>/bot.lock`
says who holds it (its pid, written by `announce()` once the start is going ahead) and is locked
too, so a bot of an earlier version, which locks only that file, is kept out as well."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from bot_v2.domain.errors import StateError

LOCK_NAME = "bot.lock"


class DataDirInUse(StateError):
    """Another process holds the lock; `holder` is " (pid N)" when it said who it is, else ""."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._dir_fd: int | None = None
        self._fd: int | None = None

    def acquire(self, announce: bool = True) -> None:
        """Create the directory if needed and take the lock; StateError when it is unwritable or
        another bot holds it. With announce=False nothing is written until `announce()`."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if not os.access(self.data_dir, os.W_OK):
                raise PermissionError(13, "Permission denied")
            dir_fd = os.open(self.data_dir, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise StateError(
                f"data directory {self.data_dir} is not writable ({exc.strerror or exc})"
            ) from None
        try:
            self._lock(dir_fd)
        except BaseException:
            os.close(dir_fd)
            raise
        self._dir_fd = dir_fd
        try:
            if self.path.exists():
                self._fd = self._open_note(os.O_RDONLY)
        except BaseException:
            self.release()
            raise
        if announce:
            self.announce()

    def announce(self) -> None:
        """Write who holds the lock, for the message the next bot prints."""
        if self._dir_fd is None:
            raise StateError(f"data directory {self.data_dir} is not locked")
        if self._fd is not None:
            os.close(self._fd)  # reopened for writing: the earlier one was read-only
            self._fd = None
        try:
            self._fd = self._open_note(os.O_RDWR | os.O_CREAT)
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:
            raise StateError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def release(self) -> None:
        for fd in (self._fd, self._dir_fd):
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        self._fd = self._dir_fd = None

    def _open_note(self, flags: int) -> int:
        fd = os.open(self.path, flags, 0o644)
        try:
            self._lock(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _lock(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(self.path)
            raise DataDirInUse(
                f"data directory {self.data_dir} is in use by another perps-bot{holder} "
                f"holding {self.path.name}; stop it first, or give this one another bot.data_dir",
                holder,
            ) from None
        except OSError as exc:
            raise StateError(f"cannot lock {self.data_dir}: {exc.strerror or exc}") from None

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


def _holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""
