"""Password recovery by e-mail through a real SMTP server on loopback, in the recipient's language."""
from tests.factories import make_user
from tests.helpers import post, read_mail


def test_reset_code_by_email_in_the_recipients_language(client, smtp):
    make_user("trainee", email="amina@example.org", locale="ar")
    response = post(client, "/password/forgot?lang=fr", {"identifier": "Amina@example.org"})
    assert response.status_code == 302
    assert len(smtp.wait(1)) == 1
    message = smtp.messages[0]
    assert message.rcpt_tos == ["amina@example.org"]
    subject, body = read_mail(message)
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
