"""Outgoing e-mail over SMTP (MAIL_*); without MAIL_SERVER the message is only logged: whole where
MAIL_LOG_BODY says so (development, tests: the one-time codes are read there), else its recipient and
subject only, never a code or a link that opens an account to whoever reads the logs."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("ecole.mail")


def send_mail(to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bool:
    """Send a plain-text message; return False (and log) when it could not be sent."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        if config.get("MAIL_LOG_BODY"):
            log.info("mail not sent (no MAIL_SERVER) to=%s subject=%s\n%s", to, subject, body)
        else:
            log.info("mail not sent (no MAIL_SERVER) to=%s subject=%s (body withheld)", to, subject)
        return False
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s failed", to)
        return False
