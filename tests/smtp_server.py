"""A real SMTP server (aiosmtpd) for tests that must prove e-mail delivery end to end.

Usage in a test module::

    from tests.smtp_server import smtp_server  # noqa: F401  (pytest fixture)

    def test_sends(smtp_server):
        app.config["UTH_SMTP_HOST"] = smtp_server.host
        app.config["UTH_SMTP_PORT"] = smtp_server.port
        ...
        assert smtp_server.messages[0]["Subject"] == "..."
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["ReceivedMessage", "SmtpServer", "smtp_server"]

HOST = "127.0.0.1"


class ReceivedMessage(EmailMessage):
    """A parsed message plus the SMTP envelope it arrived with."""

    envelope_from: str = ""
    envelope_to: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Give each message its own envelope recipient list."""
        super().__init__(*args, **kwargs)
        self.envelope_to = []


class _Handler:
    """aiosmtpd handler that records messages and can simulate temporary failures."""

    def __init__(self) -> None:
        """Start with no messages and no scheduled failures."""
        self.lock = threading.Lock()
        self.messages: list[ReceivedMessage] = []
        self.data_attempts = 0
        self._failures: list[str] = []

    def fail_next(self, n: int, code: int, text: str) -> None:
        """Schedule the next n DATA commands to be answered with code and text."""
        with self.lock:
            self._failures.extend([f"{code} {text}"] * n)

    def reset(self) -> None:
        """Forget messages, attempts and pending failures."""
        with self.lock:
            self.messages.clear()
            self._failures.clear()
            self.data_attempts = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message (or fail it on request) before the client gets its reply."""
        with self.lock:
            self.data_attempts += 1
            if self._failures:
                return self._failures.pop(0)
            raw = envelope.original_content or envelope.content
            if isinstance(raw, str):  # only when decode_data=True, which we never set
                raw = raw.encode("utf-8")
            # Like a local mailbox, store lines with "\n" rather than the wire's CRLF.
            raw = raw.replace(b"\r\n", b"\n")
            message = BytesParser(_class=ReceivedMessage, policy=policy.default).parsebytes(raw)
            message.envelope_from = envelope.mail_from or ""
            message.envelope_to = list(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """Controller that can bind port 0 and learn the port the OS chose."""

    def _run(self, ready_event: threading.Event) -> None:
        """Wake start() at once when binding fails, instead of after ready_timeout."""
        super()._run(ready_event)
        if self._thread_exception is not None:
            ready_event.set()

    def _trigger_server(self) -> None:
        """Record the real port before aiosmtpd's start-up self-connection uses it."""
        if self._thread_exception is not None:
            raise self._thread_exception
        if self.port == 0 and self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """A local SMTP server on 127.0.0.1 with a free port that stays fixed across restarts."""

    def __init__(self, host: str = HOST, port: int = 0) -> None:
        """Configure, but do not start, the server (port 0 = let the OS pick on first start)."""
        self.host = host
        self.port = port
        self._handler = _Handler()
        self._controller: _Controller | None = None

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Messages accepted so far (a snapshot, oldest first)."""
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def data_attempts(self) -> int:
        """How many DATA commands arrived, including the ones answered with a failure."""
        with self._handler.lock:
            return self._handler.data_attempts

    @property
    def running(self) -> bool:
        """Whether the server is currently accepting connections."""
        return self._controller is not None

    def start(self) -> SmtpServer:
        """Start listening (again, on the same port after the first start)."""
        if self._controller is not None:
            return self
        controller = _Controller(self._handler, hostname=self.host, port=self.port)
        try:
            controller.start()
        except BaseException:
            controller.stop(no_assert=True)
            if not controller.loop.is_closed():
                controller.loop.close()
            raise
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and join the server thread; connections are refused afterwards."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def refuse_connections(self) -> None:
        """Simulate a mail server that is down (same as stop(); start() brings it back)."""
        self.stop()

    def fail_next(self, n: int = 1, code: int = 451, text: str = "Try again later") -> None:
        """Answer the next n DATA commands with a failure (451 = temporary by default)."""
        if n < 0:
            raise ValueError("n must not be negative")
        self._handler.fail_next(n, code, text)

    def reset(self) -> None:
        """Forget received messages, attempt counts and pending failures."""
        self._handler.reset()

    def __enter__(self) -> SmtpServer:
        """Start the server for a with-block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server when the with-block ends."""
        self.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A started SmtpServer, stopped (thread joined) after the test."""
    with SmtpServer() as server:
        yield server
