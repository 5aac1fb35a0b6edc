"""What every workbench view needs: the injected collaborators, the signed-in account, and cached checks.

Checking a set of knowledge files takes about half a second and every page shows the draft's knowledge, so
the result is kept per file fingerprint (``workspace.digest``): a page view after an edit checks once, and
the same draft is not checked again until it changes. The preview bots are kept the same way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from flask import abort, current_app
from flask_login import UserMixin, current_user

from bot.core.model import KnowledgeSet
from bot.core.search import Hit
from bot.hr import workspace as ws
from bot.hr.accounts import Account, AccountStore
from bot.hr.changes import Change, ChangeDesk
from bot.hr.preview import DraftBot
from bot.insights.data import EventRow
from bot.insights.feedback import Feedback
from bot.knowledge import embeddings
from bot.knowledge.loader import Problem
from bot.settings import Settings

EXTENSION = "lederbot_hr"
Search = Callable[[str], Sequence[Hit]]  # the bot's own search: a question → its best hits, best first
TrackerEvents = Callable[[datetime, datetime], list[EventRow]]  # the tracker store's events of a period
FeedbackReader = Callable[[datetime, datetime], list[Feedback]]  # the leaders' feedback of a period
Checked = tuple[KnowledgeSet | None, tuple[Problem, ...]]

K = TypeVar("K")
V = TypeVar("V")


class _Recent(Generic[K, V]):
    """A small thread-safe cache of the most recently used values."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()  # outside the lock: two threads may both make it, one result is kept
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value


@dataclass
class Workbench:
    """The collaborators the app was created with, plus the caches the views share."""

    settings: Settings
    desk: ChangeDesk
    accounts: AccountStore
    search: Search
    clock: Callable[[], datetime]
    tracker_events: TrackerEvents
    feedback: FeedbackReader
    _checks: _Recent[str, Checked] = field(default_factory=lambda: _Recent(32))
    _bots: _Recent[tuple[str, bool], DraftBot] = field(default_factory=lambda: _Recent(6))

    def checked(self, files: Mapping[str, str]) -> Checked:
        """The knowledge the files hold, or their problems (``workspace.check``), cached by content."""

        def run() -> Checked:
            knowledge, problems = ws.check(files)
            return knowledge, tuple(problems)

        return self._checks.get(ws.digest(files), run)

    def current(self) -> Checked:
        """Today's knowledge: the files the bot was last published from."""
        return self.checked(self.desk.current_files())

    def draft_bot(self, knowledge: KnowledgeSet, semantic: bool = True) -> DraftBot:
        """The preview bot for this knowledge; semantic search as the live bot has it (unless told not to)."""
        use = semantic and self.settings.knowledge_embeddings and embeddings.available()
        return self._bots.get((knowledge.version, use), lambda: DraftBot(knowledge, self.settings, semantic=use))

    def names(self) -> dict[str, str]:
        """Username → full name, for showing who did what."""
        return {a.username: a.name for a in self.accounts.all()}


class WebUser(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of an account: the session holds only the username."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        """What the session keeps: the username."""
        return self.account.username


def workbench() -> Workbench:
    """The running app's workbench."""
    value: Any = current_app.extensions[EXTENSION]
    assert isinstance(value, Workbench)
    return value


def me() -> Account:
    """The signed-in account (every view but sign-in runs only with one)."""
    if not current_user.is_authenticated:
        abort(401)
    account = current_user.account
    assert isinstance(account, Account)
    return account


def require_approver() -> Account:
    """The signed-in account if it is a *godkender*; 403 otherwise (a redaktør cannot approve or publish)."""
    account = me()
    if not account.may_approve:
        abort(403, description="Det kræver rollen godkender.")
    return account


@dataclass(frozen=True)
class Draft:
    """The signed-in user's view of the knowledge: their open draft (if any) over today's files."""

    change: Change | None
    files: ws.Files
    knowledge: KnowledgeSet | None
    problems: tuple[Problem, ...]


def my_draft() -> Draft:
    """The user's open draft with its files checked."""
    bench = workbench()
    change = bench.desk.open_draft(me())
    files = bench.desk.working_files(change)
    knowledge, problems = bench.checked(files)
    return Draft(change, files, knowledge, problems)
