"""Workbench accounts: who may edit (*redaktør*) and who may also approve, publish and roll back (*godkender*).

Passwords are argon2 hashes (argon2-cffi, rehashed when its parameters change). Five wrong passwords in a row
lock the account for 15 minutes, so a password cannot be guessed online; the clock is injected for the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from bot.hr import tables as t
from bot.knowledge.db import as_utc

MAX_FAILED_LOGINS = 5
LOCK_PERIOD = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12


class Role(str, Enum):
    """What an account may do in the workbench."""

    EDITOR = "redaktoer"
    APPROVER = "godkender"


class AccountError(Exception):
    """A sign-in or account change that cannot be done; the message is Danish, for the user."""


@dataclass(frozen=True)
class Account:
    """A signed-in workbench user."""

    username: str
    name: str
    role: Role

    @property
    def may_approve(self) -> bool:
        """Whether the account may approve, publish and roll back (a *godkender*)."""
        return self.role is Role.APPROVER


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AccountStore:
    """Accounts in the ``hr_users`` table."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now) -> None:
        self._engine = engine
        self._clock = clock
        self._hasher = PasswordHasher()
        t.metadata.create_all(engine)

    def add(self, username: str, name: str, role: Role, password: str) -> Account:
        """Create an account (AccountError if the name is taken or the password too short)."""
        username = username.strip().lower()
        if not username or not name.strip():
            raise AccountError("Brugernavn og navn skal udfyldes.")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"Adgangskoden skal have mindst {MIN_PASSWORD_LENGTH} tegn.")
        if self.get(username) is not None:
            raise AccountError(f"Brugernavnet '{username}' findes allerede.")
        with self._engine.begin() as conn:
            conn.execute(insert(t.users).values(
                username=username, name=name.strip(), role=role.value, failed_logins=0,
                password_hash=self._hasher.hash(password), created_at=self._clock()))
        return Account(username, name.strip(), role)

    def get(self, username: str) -> Account | None:
        """The account with this username (any case), or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username.strip().lower())).first()
        return Account(row.username, row.name, Role(row.role)) if row is not None else None

    def all(self) -> list[Account]:
        """Every account, by username (the workbench's user list)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.users).order_by(t.users.c.username)).all()
        return [Account(r.username, r.name, Role(r.role)) for r in rows]

    def sign_in(self, username: str, password: str) -> Account:
        """The account, if the password is right and the account not locked; counts failures."""
        username = username.strip().lower()
        with self._engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
        wrong = AccountError("Forkert brugernavn eller adgangskode.")
        if row is None:
            self._hasher.hash(password)  # the same work as for a real account: no timing hint
            raise wrong
        locked_until = as_utc(row.locked_until)
        if locked_until is not None and locked_until > self._clock():
            raise AccountError("For mange forkerte forsøg. Kontoen er låst i 15 minutter.")
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            self._failed(username, row.failed_logins + 1)
            raise wrong from None
        self._succeeded(username, row.password_hash, password)
        return Account(row.username, row.name, Role(row.role))

    def _failed(self, username: str, failures: int) -> None:
        locked = self._clock() + LOCK_PERIOD if failures >= MAX_FAILED_LOGINS else None
        with self._engine.begin() as conn:
            conn.execute(update(t.users).where(t.users.c.username == username).values(
                failed_logins=0 if locked else failures, locked_until=locked))

    def _succeeded(self, username: str, stored_hash: str, password: str) -> None:
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if self._hasher.check_needs_rehash(stored_hash):
            values["password_hash"] = self._hasher.hash(password)
        with self._engine.begin() as conn:
            conn.execute(update(t.users).where(t.users.c.username == username).values(**values))
