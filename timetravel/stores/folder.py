"""A folder of ``.ttrec`` files, one per session: the embedded default store."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._format import KIND_FRAME, KIND_HEADER, KIND_KEYFRAME, PREAMBLE, RECORD_HEAD
from .base import SessionForked, SessionInfo, Store, StoreError, StoreStream, header_info

__all__ = ["FolderStore", "split_rows"]

SUFFIX = ".ttrec"


def split_rows(buf: bytes | bytearray) -> list[bytes]:
    """Cut a ``.ttrec`` byte stream into rows: the preamble and header, then one row per
    frame record (with the keyframe record after it). Damaged bytes stay in the row they
    are met in, so the reader still sees them."""
    starts = [0]
    pos = len(PREAMBLE)
    size = len(buf)
    head = RECORD_HEAD.size
    while pos + head <= size:
        kind, length, _ = RECORD_HEAD.unpack_from(buf, pos)
        if kind not in (KIND_HEADER, KIND_FRAME, KIND_KEYFRAME) or pos + head + length > size:
            break
        if kind == KIND_FRAME:
            starts.append(pos)
        pos += head + length
    starts.append(size)
    return [bytes(buf[a:b]) for a, b in itertools.pairwise(starts) if b > a or a == 0]


@dataclass
class _File:
    session: str
    fd: int
    offset: int  # bytes of complete rows this stream wrote (or found, on resume)


class FolderStore(Store):
    """Sessions as ``<session>.ttrec`` files in a folder (created when missing).

    A stream checks, under the file's lock, that the file still ends where its last row did
    before it writes the next: a second writer on a session (a duplicated tab) makes one of
    them fork, and a session resumed elsewhere (after a refresh) takes the file over from
    the writer it left behind. The files are ordinary recordings: ``timetravel info FILE``
    and ``Recording.open(path)`` read them too.
    """

    schemes = ("file",)

    def __init__(self, directory: str | os.PathLike[str], **options: Any) -> None:
        super().__init__(**options)
        self.directory = os.path.abspath(os.fspath(directory))

    @property
    def url(self) -> str:
        return self.directory

    def path(self, session: str) -> str:
        """The file that holds ``session``."""
        return os.path.join(self.directory, session + SUFFIX)

    # --- writing -----------------------------------------------------------------------------

    def _open(self, stream: StoreStream, first: int) -> _File:
        session = stream.session
        path = self.path(session)
        os.makedirs(self.directory, exist_ok=True)
        new = first == 0 or stream.copy_from is not None
        flags = os.O_WRONLY | getattr(os, "O_BINARY", 0) | (os.O_CREAT | os.O_EXCL if new else 0)
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            raise SessionForked(session, 0) from None
        except FileNotFoundError:
            raise StoreError(f"{path}: no session {session!r} to resume") from None
        try:
            with _locked(fd):
                return self._claim(stream, fd, path, first, new)
        except BaseException:
            os.close(fd)
            raise

    def _claim(self, stream: StoreStream, fd: int, path: str, first: int, new: bool) -> _File:
        """The file of a stream's session, checked (and a fork's copy written) under the lock."""
        session = stream.session
        if stream.copy_from is not None:
            old, n = stream.copy_from
            old_file = stream.handle
            if isinstance(old_file, _File) and old_file.session == old:
                with open(self.path(old), "rb") as f:
                    prefix = f.read(old_file.offset)
            else:
                prefix = b"".join(r for _, r in self.rows(old)[:n]) if n else b""
            _write_all(fd, prefix)
            return _File(session, fd, len(prefix))
        if new:
            return _File(session, fd, 0)
        with open(path, "rb") as f:
            rows = split_rows(f.read())
        if len(rows) != first:
            raise SessionForked(session, first)
        end = sum(len(r) for r in rows)
        os.ftruncate(fd, end)
        return _File(session, fd, end)

    def _write_rows(self, stream: StoreStream, rows: list[tuple[int, bytes]]) -> None:
        handle = stream.handle
        if not isinstance(handle, _File) or handle.session != stream.session:
            opened = self._open(stream, rows[0][0])
            self._release(stream)
            stream.handle = handle = opened
        fd = handle.fd
        data = b"".join(d for _, d in rows)
        # Locked only while writing: a session that resumes elsewhere (a refresh) takes the
        # file over, and the writer it left behind forks if it ever writes again.
        with _locked(fd):
            if os.fstat(fd).st_size != handle.offset:
                raise SessionForked(stream.session, rows[0][0])
            try:
                os.lseek(fd, handle.offset, os.SEEK_SET)
                _write_all(fd, data)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, handle.offset)  # no torn row
                raise
        handle.offset += len(data)

    def _release(self, stream: StoreStream) -> None:
        handle = stream.handle
        if isinstance(handle, _File):
            stream.handle = None
            with contextlib.suppress(OSError):
                os.close(handle.fd)

    # --- reading -----------------------------------------------------------------------------

    def _read(self, session: str) -> bytes:
        path = self.path(session)
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise StoreError(f"{self.url}: no session {session!r}") from None
        except OSError as exc:
            raise StoreError(f"{path}: can't read it ({exc.strerror or exc})") from None

    def rows(self, session: str, after: int = -1) -> list[tuple[int, bytes]]:
        return [(n, r) for n, r in enumerate(split_rows(self._read(session))) if n > after]

    def read(self, session: str) -> bytes:
        return self._read(session)

    def next_seq(self, session: str) -> int:
        return len(split_rows(self._read(session)))

    def sessions(self) -> list[SessionInfo]:
        try:
            names = [n for n in os.listdir(self.directory) if n.endswith(SUFFIX)]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"{self.url}: can't list it ({exc.strerror or exc})") from None
        out: list[SessionInfo] = []
        for name in names:
            path = os.path.join(self.directory, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
                mtime = os.stat(path).st_mtime
            except OSError:
                continue  # removed meanwhile, or unreadable: not listed
            rows = split_rows(data)
            created, user = header_info(rows[0])
            out.append(
                SessionInfo(
                    id=name[: -len(SUFFIX)],
                    user=user,
                    started=created if created is not None else mtime,
                    last_activity=mtime,
                    frames=len(rows) - 1,
                    size=len(data),
                )
            )
        out.sort(key=lambda s: s.last_activity, reverse=True)
        return out

    def delete(self, session: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path(session))


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    """The file's advisory lock while a row is checked and written (POSIX; elsewhere none)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # a file system without locks
        yield
        return
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # an unbuffered write may write less than asked
        n = os.write(fd, view)
        if not n:
            raise OSError("nothing written")
        view = view[n:]
