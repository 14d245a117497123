"""The SMTP test server really receives mail, can fail on demand and can be down."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage

import pytest

from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401  (fixture)


def make_message(subject: str = "Ny hændelse", body: str = "Hej\n") -> EmailMessage:
    """Build a simple message like the notification sender will."""
    message = EmailMessage()
    message["From"] = "uth@region.example"
    message["To"] = "risikomanager@region.example"
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_receives_message_with_envelope(smtp_server: SmtpServer) -> None:
    assert smtp_server.host == "127.0.0.1"
    assert smtp_server.port > 0
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        refused = client.send_message(
            make_message(), to_addrs=["risikomanager@region.example", "cc@kommune.example"]
        )
    assert refused == {}
    [received] = smtp_server.messages
    assert isinstance(received, EmailMessage)
    assert received["Subject"] == "Ny hændelse"
    assert received["To"] == "risikomanager@region.example"
    assert received.get_content() == "Hej\n"
    assert received.envelope_from == "uth@region.example"
    assert received.envelope_to == ["risikomanager@region.example", "cc@kommune.example"]
    assert smtp_server.data_attempts == 1


def test_danish_subject_and_body_survive(smtp_server: SmtpServer) -> None:
    subject = "Utilsigtet hændelse: æøå ÆØÅ på Sønderborg Sygehus"
    body = "Kære Søren Ærø,\nTak for din indberetning om hændelsen på afdeling Å.\n"
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(make_message(subject, body))
    [received] = smtp_server.messages
    assert received["Subject"] == subject
    assert received.get_content() == body
    assert received.get_content_charset() == "utf-8"


def test_raw_8bit_utf8_via_smtputf8(smtp_server: SmtpServer) -> None:
    raw = (
        "From: afsender@example.dk\r\nTo: modtager@example.dk\r\n"
        "Subject: Blå æbler\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nRødgrød med fløde\r\n"
    ).encode("utf-8")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("smtputf8")
        client.sendmail(
            "afsender@example.dk", ["modtager@example.dk"], raw, mail_options=["SMTPUTF8"]
        )
    [received] = smtp_server.messages
    assert received["Subject"] == "Blå æbler"
    assert received.get_content() == "Rødgrød med fløde\n"


def test_fail_next_then_success(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(2)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPDataError) as failure:
                client.send_message(make_message("første forsøg"))
            assert failure.value.smtp_code == 451
            assert failure.value.smtp_error == b"Try again later"
            client.rset()
        assert smtp_server.messages == []
        client.send_message(make_message("andet forsøg"))
    assert [m["Subject"] for m in smtp_server.messages] == ["andet forsøg"]
    assert smtp_server.data_attempts == 3


def test_fail_next_custom_code(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=554, text="Transaction failed")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.send_message(make_message())
    assert failure.value.smtp_code == 554
    assert smtp_server.messages == []


def test_refuse_connections_then_restart_on_same_port(smtp_server: SmtpServer) -> None:
    port = smtp_server.port
    smtp_server.refuse_connections()
    assert not smtp_server.running
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(smtp_server.host, port, timeout=5)
    smtp_server.start()
    assert smtp_server.running
    assert smtp_server.port == port
    with smtplib.SMTP(smtp_server.host, port, timeout=5) as client:
        client.send_message(make_message("efter genstart"))
    assert [m["Subject"] for m in smtp_server.messages] == ["efter genstart"]


def test_stop_with_open_client_connection(smtp_server: SmtpServer) -> None:
    client = smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5)
    try:
        client.ehlo()
        smtp_server.stop()
        with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
            client.noop()
    finally:
        client.close()


def test_reset_clears_messages_and_failures(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.send_message(make_message())
        client.rset()
        client.send_message(make_message())
        smtp_server.fail_next(3)
        smtp_server.reset()
        client.send_message(make_message("efter nulstilling"))
    assert [m["Subject"] for m in smtp_server.messages] == ["efter nulstilling"]
    assert smtp_server.data_attempts == 1


def test_context_manager_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    with SmtpServer() as server:
        assert server.running
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.send_message(make_message())
        assert len(set(threading.enumerate()) - before) == 1
    assert set(threading.enumerate()) == before
    assert not server.running
    assert len(server.messages) == 1


def test_separate_servers_get_separate_ports() -> None:
    with SmtpServer() as first, SmtpServer() as second:
        assert first.port != second.port
        with smtplib.SMTP(second.host, second.port, timeout=5) as client:
            client.send_message(make_message("til nummer to"))
        assert first.messages == []
        assert [m["Subject"] for m in second.messages] == ["til nummer to"]


def test_start_fails_cleanly_when_port_taken() -> None:
    with SmtpServer() as running:
        clash = SmtpServer(port=running.port)
        with pytest.raises(OSError):
            clash.start()
        assert not clash.running
