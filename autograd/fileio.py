"""`atomic_write`: the one way tracegrad writes a file (checkpoints, rendered pictures).

The data goes to a temporary file in the destination's directory, is flushed and fsync'ed,
and is then renamed over the destination with `os.replace`, so a reader or a crash sees the
old file or the new one, never half of one. Around that: a symlink is written through (its
target is replaced, the link stays a link); a read-only file, a directory, a device node, a
fifo or a socket is refused (OSError naming it) instead of being replaced; a new file gets
the mode ``0o666 & ~umask`` (as `open` gives) and an existing file keeps its mode (and, where
permitted, its owner); the temporary file is removed when anything fails.
"""
import os
import stat

_KINDS = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFIFO: "a fifo",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def atomic_write(path, write, op):
    """Call ``write(fileobj)`` on a temporary binary file, then atomically put it at `path`.

    Args:
        path (str or os.PathLike): the destination, used as given; a symlink (or a chain of
            them, or a dangling one) is followed to its target, which is what gets replaced.
        write (callable): ``write(f)`` writes the whole content to the binary file object `f`.
        op (str): the caller's name, first in error messages (``"save"``, ``"render"``).

    Returns:
        str: the path that was replaced (the symlink's target, or `path`).

    Raises:
        IsADirectoryError: if the destination is a directory.
        PermissionError: if the destination is a read-only file (no write permission bit, or
            not writable by this user) — it is kept as it was.
        OSError: if the destination is a device node, fifo or socket, or anything fails while
            writing (a full disk, a missing directory): the previous file is intact and no
            temporary file is left behind. Whatever `write` raises propagates the same way.
    """
    path = os.fspath(path)
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None:
        kind = stat.S_IFMT(st.st_mode)
        if kind == stat.S_IFDIR:
            raise IsADirectoryError(f"{op}: {path!r} is a directory; expected a file name.")
        if kind != stat.S_IFREG:
            raise OSError(f"{op}: {path!r} is {_KINDS.get(kind, 'not a regular file')}, not a regular file; "
                          f"refusing to replace it, expected a regular file or a new name.")
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise PermissionError(f"{op}: {path!r} is read-only (mode {stat.filemode(st.st_mode)}); refusing to "
                                  f"replace it. Hint: make it writable or choose another name.")
    directory = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    while True:  # O_EXCL with mode 0o666: the kernel applies the umask, as for any new file
        tmp = os.path.join(directory, f".{base}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:  # a missing or read-only directory: say so, not the temporary name
            raise type(e)(f"{op}: cannot create a file in {directory!r} for {path!r} ({e.strerror}); expected an "
                          f"existing, writable directory.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:  # keep the replaced file's mode and, where permitted, its owner
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                if hasattr(os, "chown"):
                    try:
                        os.chown(tmp, st.st_uid, st.st_gid)
                    except OSError:
                        pass
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable where the platform allows it
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return target
