from __future__ import annotations

import logging

from chatapp.application.ports.system import EmailSender

logger = logging.getLogger("chatapp.email")


class LogEmailSender(EmailSender):
    """Writes each mail to the log instead of sending it: the default until SMTP is configured."""

    async def send_password_reset(self, email: str, username: str, code: str) -> None:
        logger.warning("password reset mail to=%s username=%s code=%s", email, username, code)
