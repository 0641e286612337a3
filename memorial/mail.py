"""Outgoing e-mail over SMTP (the standard library's smtplib), configured by one URL.

``MEMORIAL_MAIL_URL`` names the server: ``smtp://host:25`` (plain), ``smtp+starttls://user:
password@host:587`` (STARTTLS), ``smtps://user:password@host:465`` (TLS from the start).
A failure is sorted into what the caller must do: a recipient the server refuses for good
(a bounce: 5xx), or a server that cannot take mail now (4xx, no connection: try later).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import unquote, urlsplit

#: Seconds to wait for the mail server before counting it as unavailable.
TIMEOUT = 20

_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(Exception):
    """Mail could not be sent: ``permanent`` when the server refused the recipient for good
    (a bounce), ``unavailable`` when no mail can go now at all (no connection, sign-in)."""

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        code: int | None = None,
        unavailable: bool = False,
    ):
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.unavailable = unavailable


class MailConfigError(ValueError):
    """``MEMORIAL_MAIL_URL`` is not a mail server address this module understands."""


@dataclass(frozen=True)
class MailServer:
    """Where and how to hand mail over."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        """Read ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URLs."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _SCHEMES:
            raise MailConfigError(
                "MEMORIAL_MAIL_URL must start with smtp://, smtp+starttls:// or smtps://, "
                f"not {parts.scheme or url!r}"
            )
        try:
            port = parts.port or _SCHEMES[parts.scheme]
        except ValueError:
            raise MailConfigError("MEMORIAL_MAIL_URL has a port that is not a number") from None
        if not parts.hostname:
            raise MailConfigError("MEMORIAL_MAIL_URL names no host")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __str__(self) -> str:
        """The server without its password, for messages."""
        return f"{self.scheme}://{self.host}:{self.port}"


class Mailer:
    """One connection to the mail server, opened at the first message and reused."""

    def __init__(self, server: MailServer):
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        try:
            smtp.ehlo()
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if server.username:
                smtp.login(server.username, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """End the connection politely (a server already gone is fine)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand one message over to ``recipient`` only (never to whatever its headers name);
        raise :class:`MailError` saying whether to retry later."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(message, to_addrs=[recipient])
            except smtplib.SMTPServerDisconnected:
                # A connection kept open between messages may have timed out: one new try.
                self._smtp = self._connect()
                self._smtp.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            self._reset()
            raise MailError(
                f"the mail server refused the recipient: {code} {_text(reply, recipient)}",
                permanent=code >= 500,
                code=code,
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise MailError(
                f"the mail server refused the sign-in: {exc.smtp_code} {_text(exc.smtp_error)}",
                unavailable=True,
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            self._reset()
            # The sender address is the site's own: not the recipient's fault, try again later.
            raise MailError(
                f"the mail server refused the sender address: {exc.smtp_code} "
                f"{_text(exc.smtp_error)}",
                code=exc.smtp_code,
                unavailable=True,
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise MailError(
                f"the mail server answered {exc.smtp_code} {_text(exc.smtp_error, recipient)}",
                permanent=exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError),
                code=exc.smtp_code,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailError(
                f"the mail server {self.server} is unavailable: {exc or type(exc).__name__}",
                unavailable=True,
            ) from None

    def _reset(self) -> None:
        """After a refused message, forget its envelope so the next one starts clean."""
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()


def _text(reply: bytes | str, recipient: str | None = None) -> str:
    """A server's reply as text, with the recipient's address (servers often repeat it) left
    out: messages go to logs and terminals, addresses never do."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    if recipient:
        text = re.sub(re.escape(recipient), "<the recipient>", text, flags=re.IGNORECASE)
    return text
