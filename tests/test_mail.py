"""Password recovery by e-mail through a real SMTP server on loopback, in the recipient's language."""
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import make_user, post


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    old = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config.update(old)
    controller.stop()


def test_reset_code_by_email_in_the_recipients_language(client, smtp):
    make_user("trainee", email="amina@example.org", locale="ar")
    response = post(client, "/password/forgot?lang=fr", {"identifier": "Amina@example.org"})
    assert response.status_code == 302
    for _ in range(50):
        if smtp.messages:
            break
        time.sleep(0.05)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message.rcpt_tos == ["amina@example.org"]
    from email import message_from_bytes
    from email.header import decode_header, make_header
    parsed = message_from_bytes(message.content)
    subject = str(make_header(decode_header(parsed["Subject"])))
    body = parsed.get_payload(decode=True).decode()
    import re as _re
    assert _re.search("[\u0600-\u06FF]", subject) and "votre code" not in subject  # Arabic, not the sender's French
    import re
    code = re.search(r"\b(\d{8})\b", body).group(1)
    response = post(client, "/password/code", {"identifier": "amina@example.org", "code": code,
                                               "password": "new password", "confirm": "new password"})
    assert response.status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(client, smtp):
    response = post(client, "/password/forgot", {"identifier": "ghost@example.org"})
    assert response.status_code == 302 and smtp.messages == []
