"""Changes on their way to the bot (propose, approve, reject, publish) and the published versions (roll back).

The buttons a page shows follow the role and the status; the routes check again, because a page can be old
or a request hand-made: a redaktør posting approve, publish or roll back gets 403, and every step the core
refuses (four eyes, conflicts, problems) comes back as its Danish ``ChangeError`` message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.hr.accounts import Account
from bot.hr.changes import Change, ChangeError, ChangeStatus, Version, summarise
from bot.hr.web.context import me, require_approver, workbench

blueprint = Blueprint("review", __name__)
T = TypeVar("T")
MAX_COMMENT_CHARS = 2000
GROUPS = (
    (ChangeStatus.PROPOSED, "Til godkendelse"),
    (ChangeStatus.APPROVED, "Godkendt – klar til udgivelse"),
    (ChangeStatus.DRAFT, "Kladder"),
    (ChangeStatus.REJECTED, "Afviste"),
    (ChangeStatus.PUBLISHED, "Udgivet"),
)


def actions(change: Change, user: Account, require_approval: bool, valid: bool) -> list[str]:
    """The steps ``user`` may take on ``change`` now, in the order the page shows their buttons."""
    out = []
    mine = change.author == user.username
    if mine and change.status is ChangeStatus.DRAFT and valid and change.files:
        out.append("propose")
    if user.may_approve and change.status is ChangeStatus.PROPOSED and not (require_approval and mine):
        out.append("approve")
    ready = (ChangeStatus.APPROVED,) if require_approval else (ChangeStatus.APPROVED, ChangeStatus.PROPOSED)
    if user.may_approve and change.status in ready:
        out.append("publish")
    if user.may_approve and change.status in (ChangeStatus.PROPOSED, ChangeStatus.APPROVED):
        out.append("reject")
    if mine and change.status is ChangeStatus.REJECTED:
        out.append("reopen")
    if mine and change.status in (ChangeStatus.DRAFT, ChangeStatus.REJECTED):
        out.append("discard")
    return out


@blueprint.get("/changes")
def changes() -> str:
    """Every change, grouped by where it is on its way to the bot."""
    bench = workbench()
    every = bench.desk.changes()
    groups = [(name, [c for c in every if c.status is status]) for status, name in GROUPS]
    return render_template("changes.html", groups=groups, names=bench.names())


def _summary(change: Change) -> tuple[list[dict[str, Any]] | None, tuple[Any, ...]]:
    """What the change does, in words, and its problems; a published change shows what it did then."""
    bench = workbench()
    if change.status is ChangeStatus.PUBLISHED and change.version_id is not None:
        version = next((v for v in bench.desk.versions() if v.id == change.version_id), None)
        return (version.summary if version else []), ()
    current, _ = bench.current()
    draft, problems = bench.checked(bench.desk.working_files(change))
    if current is None or draft is None:
        return None, problems
    return summarise(current, draft), problems


@blueprint.get("/changes/<int:change_id>")
def change(change_id: int) -> str:
    """One change: what it changes (unit, field, old → new), its problems, and the buttons for the next step."""
    bench = workbench()
    found = bench.desk.get(change_id)
    if found is None:
        abort(404, description=f"Ændring {change_id} findes ikke.")
    summary, problems = _summary(found)
    allowed = actions(found, me(), bench.desk.require_approval, not problems)
    return render_template("change.html", change=found, summary=summary, problems=problems, actions=allowed,
                           names=bench.names(), require_approval=bench.desk.require_approval)


def _step(change_id: int, run: Callable[[], T], done: str | Callable[[T], str]) -> Response:
    """Take one step; its ChangeError (with the problems it names) is shown on the change's page."""
    try:
        result = run()
    except ChangeError as error:
        flash(str(error), "error")
        for problem in error.problems:
            flash(f"{problem.file}, linje {problem.line}: {problem.message}", "error")
    else:
        flash(done(result) if callable(done) else done, "info")
    return redirect(url_for("review.change", change_id=change_id))


def _comment() -> str:
    return request.form.get("comment", "").strip()[:MAX_COMMENT_CHARS]


@blueprint.post("/changes/<int:change_id>/propose")
def propose(change_id: int) -> Response:
    """Send one's own draft to approval (refused while the check finds problems)."""
    desk = workbench().desk
    return _step(change_id, lambda: desk.propose(change_id, me(), _comment()),
                 "Ændringen er sendt til godkendelse." if desk.require_approval
                 else "Ændringen er klar til at blive udgivet.")


@blueprint.post("/changes/<int:change_id>/approve")
def approve(change_id: int) -> Response:
    """Approve another author's proposed change (godkender only; never one's own)."""
    user = require_approver()
    return _step(change_id, lambda: workbench().desk.approve(change_id, user),
                 "Ændringen er godkendt og kan udgives.")


@blueprint.post("/changes/<int:change_id>/reject")
def reject(change_id: int) -> Response:
    """Send a proposed or approved change back to its author (godkender only)."""
    user = require_approver()
    return _step(change_id, lambda: workbench().desk.reject(change_id, user),
                 "Ændringen er afvist. Forfatteren kan åbne den igen som kladde.")


@blueprint.post("/changes/<int:change_id>/publish")
def publish(change_id: int) -> Response:
    """Write and load an approved change: the bot answers from it within seconds (godkender only)."""
    user = require_approver()

    def published(version: Version) -> str:
        return f"Udgivet som version {version.id}. Botten svarer med den nye tekst inden for få sekunder."

    return _step(change_id, lambda: workbench().desk.publish(change_id, user), published)


@blueprint.post("/changes/<int:change_id>/reopen")
def reopen(change_id: int) -> Response:
    """Open one's rejected change as a draft again (unless one already has an open draft)."""
    bench = workbench()
    user = me()
    found = bench.desk.get(change_id)
    if found is None:
        abort(404, description=f"Ændring {change_id} findes ikke.")
    if found.author != user.username or found.status is not ChangeStatus.REJECTED:
        abort(403, description="Kun forfatteren kan åbne sin afviste ændring igen.")
    draft = bench.desk.open_draft(user)
    if draft is not None and draft.id != change_id:
        flash(f"Du har allerede en åben kladde (ændring {draft.id}). Send eller kassér den først.", "error")
        return redirect(url_for("review.change", change_id=change_id))
    return _step(change_id, lambda: bench.desk.save_draft(user, {}, change_id),
                 "Ændringen er åbnet igen som din kladde.")


@blueprint.post("/changes/<int:change_id>/discard")
def discard(change_id: int) -> Response:
    """Throw away one's own draft or rejected change."""
    try:
        workbench().desk.discard(change_id, me())
    except ChangeError as error:
        flash(str(error), "error")
        return redirect(url_for("review.change", change_id=change_id))
    flash(f"Ændring {change_id} er kasseret.", "info")
    return redirect(url_for("review.changes"))


@blueprint.get("/history")
def history() -> str:
    """Every published version: who, when, why and what changed, with a roll-back for godkendere."""
    bench = workbench()
    return render_template("history.html", versions=bench.desk.versions(), names=bench.names())


@blueprint.post("/history/<int:version_id>/rollback")
def rollback(version_id: int) -> Response:
    """Publish an earlier version's files again, as a new version (godkender only)."""
    user = require_approver()
    try:
        version = workbench().desk.rollback(version_id, user)
    except ChangeError as error:
        flash(str(error), "error")
    else:
        flash(f"Rullet tilbage til version {version_id} (ny version {version.id}). Botten svarer som dengang "
              "inden for få sekunder.", "info")
    return redirect(url_for("review.history"))
