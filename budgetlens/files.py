"""Files in and out: which documents BudgetLens reads, and how it writes without tearing.

One table of accepted suffixes serves the loaders, the CLI's directory walk and the app's
upload filter, so the three can never disagree; one atomic writer serves records, the index,
the response cache, the model install and saved evaluation runs, so a crash at any moment
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Final

FORMAT_BY_SUFFIX: Final[dict[str, str]] = {
    ".txt": "txt",
    ".text": "txt",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
}
DOCUMENT_SUFFIXES: Final[tuple[str, ...]] = tuple(FORMAT_BY_SUFFIX)
"""Every suffix BudgetLens reads (other files in a walked directory are not documents)."""


def is_document(path: Path) -> bool:
    return path.suffix.lower() in FORMAT_BY_SUFFIX


def iter_documents(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given (whatever their suffix: the loader names the problem), directories
    walked for documents, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_document(p))
        else:
            yield path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_writer(path: Path, *, fsync: bool = True, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only when the block ends without an error.

    The data goes to a temporary file beside ``path`` whose name carries the writer's pid
    (so :func:`clear_stale_temps` can tell a killed writer's leftovers from a live one's),
    then is renamed over ``path``; on any error the temporary file is removed and ``path``
    is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            if fsync:
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def write_atomic(
    path: Path, content: str | bytes, *, fsync: bool = True, mode: int | None = 0o644
) -> None:
    """Write ``content`` (str as UTF-8) to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, fsync=fsync, mode=mode) as out:
        out.write(content.encode("utf-8") if isinstance(content, str) else content)


def clear_stale_temps(directory: Path) -> int:
    """Remove temporary files of writers that died mid-write (a killed batch), keeping those
    of live processes, which may be another batch writing to the same directory."""
    removed = 0
    for temp in Path(directory).glob(".*.tmp"):
        pid = temp.name.removesuffix(".tmp").rsplit(".", 2)[-2]
        if pid.isdigit() and _alive(int(pid)):
            continue
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
