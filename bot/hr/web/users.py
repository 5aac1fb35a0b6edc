"""The workbench's accounts: a godkender adds redaktører and godkendere with an initial password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.hr.accounts import AccountError, Role
from bot.hr.web.context import require_approver, workbench

blueprint = Blueprint("users", __name__)


@blueprint.route("/users", methods=["GET", "POST"])
def users() -> Response | tuple[str, int]:
    """Everyone's name and role, and the form to add an account (godkender only)."""
    require_approver()
    accounts = workbench().accounts
    error = ""
    values = {"username": "", "name": "", "role": Role.EDITOR.value}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip()[:200] for key in values}
        password = request.form.get("password", "")[:1000]
        if values["role"] not in (Role.EDITOR.value, Role.APPROVER.value):
            error = "Vælg en rolle: redaktør eller godkender."
        elif password != request.form.get("password_again", ""):
            error = "De to adgangskoder er ikke ens."
        else:
            try:
                account = accounts.add(values["username"], values["name"], Role(values["role"]), password)
            except AccountError as problem:
                error = str(problem)
            else:
                flash(f"{account.name} ({account.username}) er oprettet. Giv adgangskoden videre på en sikker måde.",
                      "info")
                return redirect(url_for("users.users"))
    return render_template("users.html", accounts=accounts.all(), values=values, error=error,
                           roles=[Role.EDITOR, Role.APPROVER]), 400 if error else 200
