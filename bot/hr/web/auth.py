"""Signing in and out of the workbench.

A wrong password counts towards the lock-out in ``AccountStore`` (five in a row lock the account for 15
minutes); its Danish messages are shown as they are, so a locked account says so instead of "wrong password".
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from bot.hr.accounts import AccountError
from bot.hr.web.app import safe_next
from bot.hr.web.context import WebUser, workbench

blueprint = Blueprint("auth", __name__)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """The sign-in form; on success the session starts afresh (nothing from before sign-in is kept)."""
    target = request.values.get("next", "")
    target = target if safe_next(target) else ""
    if current_user.is_authenticated:
        return redirect(target or url_for("knowledge.browse"))
    if request.method == "GET":
        return render_template("login.html", next=target, username="")
    bench = workbench()
    username = request.form.get("username", "").strip()[:100]
    try:
        account = bench.accounts.sign_in(username, request.form.get("password", "")[:1000])
    except AccountError as error:
        return render_template("login.html", next=target, username=username, error=str(error)), 401
    session.clear()
    session.permanent = True
    login_user(WebUser(account))
    session["signed_in_at"] = bench.clock().timestamp()
    flash(f"Velkommen, {account.name}.", "info")
    return redirect(target or url_for("knowledge.browse"))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out: the session is emptied and its cookie removed."""
    logout_user()
    session.clear()
    flash("Du er logget ud.", "info")
    return redirect(url_for("auth.login"))
