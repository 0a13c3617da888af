"""Mail in and out: parse submitted messages, read the mailbox, land raw bytes, send notices.

Modules (import them directly; this package imports nothing so that parsing does not pull
in yagmail):

- ``message``: ``parse_message`` turns raw RFC 5322 bytes into an ``IncomingMessage`` with
  decoded attachment names and content-sniffed kinds.
- ``source``: ``MailSource`` / ``MaildirSource`` / ``open_source``.
- ``landing``: content-addressed storage of raw messages and attachments.
- ``outbox``: ``OutgoingMail``, ``compose``, ``Outbox``, ``SmtpMailer``, ``open_mailer``.
"""
