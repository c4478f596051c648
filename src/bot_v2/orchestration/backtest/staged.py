"""Files that appear whole or not at all: each is written under a temporary name in its final
directory and synced; only when every one of them is written are they renamed into place (a rename
within a directory is atomic). A write that fails (a full disk) removes the temporary files and
leaves the directory as it was, the previous report included."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class StagedFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._staged: list[tuple[Path, Path]] = []

    def write(self, name: str, fill: Callable[[IO[str]], None]) -> Path:
        """Write `name` through `fill` under a temporary name; returns the final path."""
        final = self.directory / name
        temporary = self.directory / f".{name}.{os.getpid()}.partial"
        self._staged.append((temporary, final))
        with temporary.open("w", newline="") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        return final

    def commit(self) -> None:
        for temporary, final in self._staged:
            os.replace(temporary, final)
        self._staged.clear()
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)  # the renames themselves survive a power cut
        finally:
            os.close(fd)

    def discard(self) -> None:
        for temporary, _ in self._staged:
            temporary.unlink(missing_ok=True)
        self._staged.clear()


@contextmanager
def staged(directory: Path) -> Iterator[StagedFiles]:
    """Renames everything written in the block into place at its end, or nothing if it raises."""
    files = StagedFiles(directory)
    try:
        yield files
        files.commit()
    except BaseException:
        files.discard()
        raise
