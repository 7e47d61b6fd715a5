"""Atomic file writing: a crash or a full disk never leaves half a file behind."""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

from foley_studio.errors import ConfigError, DiskFullError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The temporary file is removed on any error. ENOSPC/EDQUOT/EROFS/EACCES become a
    :class:`DiskFullError` that names the file, and the old ``target`` stays as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        tmp_path.chmod(0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp_path, target)
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def _disk_error(target: Path, exc: OSError) -> Exception:
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # a file stands where a folder must be
        blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), target.parent)
        return ConfigError(f"Could not write {target}: {blocker} is a file, not a folder; choose "
                           "another folder.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
        return DiskFullError(
            f"Could not write {target}: {exc.strerror}. Free some space or choose another "
            "folder; the previous file (if any) was left untouched.")
    return exc
