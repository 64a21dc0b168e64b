"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: for the tests, which parse the
messages, and the demo, which writes each one to an outbox folder with its HTML part as a page to open."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.messages` holds the parsed messages in arrival order."""

    def __init__(self, outbox: Path | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.outbox = outbox
        self._controller = Controller(self, hostname=host, port=port or _free_port(host))

    @property
    def port(self) -> int:
        return self._controller.port

    def airflow_connection(self) -> dict:
        """The `smtp_default` Connection for this sink: plain SMTP, no TLS, no SSL, no retries."""
        return {"conn_type": "smtp", "host": self._controller.hostname, "port": self.port,
                "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "alerts@superlytics.test",
                          "retry_limit": 0, "timeout": 10}}

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.outbox is not None:
            self._write(message, len(self.messages))
        return "250 Message accepted for delivery"

    def _write(self, message: EmailMessage, number: int) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stem = f"{number:03d}-" + re.sub(r"[^a-z0-9]+", "-", str(message["To"]).lower()).strip("-")
        (self.outbox / f"{stem}.eml").write_bytes(message.as_bytes())
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            (self.outbox / f"{stem}.html").write_text(html.get_content())

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
