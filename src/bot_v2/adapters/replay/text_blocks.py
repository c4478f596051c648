"""A data file as blocks of whole lines of text, read once from disk: a few megabytes at a time, so
a file of any size costs one block of text in memory, never the file twice. Bytes that are not
UTF-8 text (a binary file, a compressed one, a stray NUL) stop the read with the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs

from bot_v2.domain.errors import DataError

BLOCK_BYTES = 8 * 1024 * 1024


@attrs.frozen
class Block:
    """Whole lines of a file; `first_line` is the number of the first (1 is the header)."""

    first_line: int
    text: str


def blocks(path: Path, block_bytes: int | None = None) -> Iterator[Block]:
    size = block_bytes or BLOCK_BYTES
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    line = 1
    tail = b""
    with handle:
        while True:
            try:
                chunk = handle.read(size)
            except OSError as exc:
                raise DataError(f"{path}:{line}: cannot read ({exc.strerror or exc})") from None
            data = tail + chunk
            if not chunk:
                if data:
                    yield Block(line, _text(path, line, data))
                return
            # Cut after the last newline so no line (and no UTF-8 character) is split.
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                tail = data
                continue
            tail = data[cut:]
            yield Block(line, _text(path, line, data[:cut]))
            line += data.count(b"\n", 0, cut)


def _text(path: Path, first_line: int, data: bytes) -> str:
    nul = data.find(b"\0")
    if nul >= 0:
        at = first_line + data.count(b"\n", 0, nul)
        raise DataError(f"{path}:{at}: not a text file (a NUL byte); expected CSV text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = first_line + data.count(b"\n", 0, exc.start)
        raise DataError(
            f"{path}:{at}: not UTF-8 text (byte 0x{data[exc.start]:02x}); expected CSV text"
        ) from None


def lines(path: Path) -> Iterator[str]:
    """Every line of the file in order, line endings kept (for csv.reader). Split on "\n" only, as
    the block reader counts lines (str.splitlines would also split on form feeds and the like)."""
    for block in blocks(path):
        pieces = block.text.split("\n")
        last = pieces.pop()
        for piece in pieces:
            yield piece + "\n"
        if last:
            yield last
