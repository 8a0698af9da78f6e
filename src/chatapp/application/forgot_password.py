from __future__ import annotations

from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock, EmailSender, IdGenerator
from chatapp.domain.rules import normalise_email
from chatapp.domain.user import hash_reset_code


class ForgotPassword:
    """Email a one-time reset code to the account's address.

    - the answer is the same whether or not the email belongs to an account;
    - the code is random, stored only as a hash, expires after Policy.reset_code_ttl and
      replaces any earlier code;
    - a password change or a block committed meanwhile wins: no code is stored or sent for the
      account as it was (writing it back would undo that change and revive the revoked tokens).
    """

    def __init__(
        self, uow: UnitOfWork, ids: IdGenerator, clock: Clock, mailer: EmailSender, policy: Policy
    ) -> None:
        self._uow = uow
        self._ids = ids
        self._clock = clock
        self._mailer = mailer
        self._policy = policy

    async def __call__(self, email: str) -> None:
        email = normalise_email(email)
        code = self._ids.secret_code()
        async with self._uow as uow:
            user = await uow.users.find_by_email(email)
            if user is None or user.blocked:
                return
            read_version = user.token_version
            user.reset_code_hash = hash_reset_code(code)
            user.reset_code_expires_at = self._clock.now() + self._policy.reset_code_ttl
            if not await uow.users.save_if_version(user, read_version):
                return
            await uow.commit()
        await self._mailer.send_password_reset(user.email, user.username, code)
