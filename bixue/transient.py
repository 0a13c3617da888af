"""Which failures are worth trying again in a moment: transient I/O only.

A dropped or refused connection, a timeout, a mail server's 4xx answer, an IMAP connection
aborted, a database that cannot be reached (or SQLite busy) may well pass on their own. A
validation, scoring or configuration error, a missing file, a 5xx refusal or a rejected login
will not: trying again only delays the Chinese message the office needs to read.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket

# OSError subclasses that describe the local machine, not a passing network state.
_LOCAL_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)
# Connection-level words in a DBAPI OperationalError (psycopg, sqlite3) that make it transient.
_DB_TRANSIENT_WORDS = (
    "connect",
    "connection",
    "server closed",
    "timeout",
    "timed out",
    "database is locked",
    "terminating",
)


def _smtp_transient(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):  # auth, sender, data: by reply code
        return 400 <= exc.smtp_code < 500
    # SMTPServerDisconnected, SMTPNotSupportedError, a bare SMTPException: the connection.
    return isinstance(exc, smtplib.SMTPServerDisconnected)


def _db_transient(exc: BaseException) -> bool:
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        return False
    if isinstance(exc, sa_exc.DisconnectionError):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.OperationalError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        return any(word in text for word in _DB_TRANSIENT_WORDS)
    return False


def _one(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPException):  # before OSError: it is one
        return _smtp_transient(exc)
    if isinstance(exc, imaplib.IMAP4.abort):  # the connection dropped mid-command
        return True
    if isinstance(exc, imaplib.IMAP4.error):  # a refused login or command
        return False
    if isinstance(exc, socket.gaierror):  # the name did not resolve (DNS may be back soon)
        return True
    if isinstance(exc, OSError):
        return not isinstance(exc, _LOCAL_OS_ERRORS)
    from bixue.mail.send import NoticesNotSentError

    if isinstance(exc, NoticesNotSentError):  # they stay queued: a retry sends what is left
        return True
    return _db_transient(exc)


def is_transient(exc: BaseException | None) -> bool:
    """True when `exc`, or an exception it was raised from, is a passing I/O failure."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if _one(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
