"""Content-addressed landing zone: every raw message and attachment kept once, by its hash.

Nothing submitted is lost, and no submitted name ever becomes part of a path: the file
name is the SHA-256 of the bytes and the suffix comes from the sniffed kind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from bixue.mail.message import Attachment

_SUFFIX = re.compile(r"(\.[a-z0-9]+)*")


def blob_path(root: Path, digest: str, suffix: str = "") -> Path:
    """Where content with this SHA-256 hex digest lives: root/ab/cdef...<suffix>."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"suffix must be like '.eml' (lower-case letters and digits): {suffix!r}")
    return Path(root) / digest[:2] / f"{digest[2:]}{suffix}"


def store_blob(root: Path, content: bytes, suffix: str = "", *, sync: bool = True) -> Path:
    """Write content once under its hash, atomically (tmp + os.replace); return its path."""
    target = blob_path(root, hashlib.sha256(content).hexdigest(), suffix)
    if target.is_file() and target.stat().st_size == len(content):
        return target
    return write_atomically(target, content, sync=sync)


def write_atomically(target: Path, content: bytes, *, sync: bool = True) -> Path:
    """Write a file so that a crash leaves the old file or the new one, never half of one.

    sync=False leaves the flush to the disk to the caller's one `flush_to_disk()` after a
    batch of writes (one flush instead of an fsync per file), before anything relies on them.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def flush_to_disk() -> None:
    """Everything written so far on disk: the end of a batch of writes made with sync=False."""
    os.sync()


def store_raw_message(root: Path, raw: bytes, *, sync: bool = True) -> Path:
    """Land a raw message as '.eml'."""
    return store_blob(root, raw, ".eml", sync=sync)


def store_attachment(root: Path, attachment: Attachment, *, sync: bool = True) -> Path:
    """Land an attachment with a suffix from its sniffed kind, never from its submitted name."""
    return store_blob(root, attachment.content, "." + attachment.kind, sync=sync)
