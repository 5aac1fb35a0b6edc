"""The HR workbench's Flask app: HR edits, previews, proposes, approves and publishes knowledge in a browser.

The app is a thin layer over the tested core (``bot.hr.workspace``, ``accounts``, ``changes``, ``preview``):
its collaborators are handed to ``create_app``, so the tests run it over a copy of the knowledge files and a
scratch SQLite database. Everything lives under ``/hr``, so a proxy can put it beside the chat on one host.

Security, because the workbench changes what every leader is told:

* Only ``/hr/login`` and the static files answer without a session; everything else redirects to sign-in
  (JSON calls get 401). A sign-in lasts ``HR_SESSION_HOURS`` from the moment of signing in, however active.
* The session cookie is HttpOnly and SameSite=Lax, and ``Secure`` with ``HR_SECURE_COOKIES``; its path is
  ``/hr``. Every POST carries a CSRF token (form field or ``X-CSRFToken`` header), else 403.
* Pages are never cached and may not be framed; the Content-Security-Policy allows only the app's own
  script and style files, so text from the knowledge files can only ever be shown as text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from bot.hr.accounts import AccountStore
from bot.hr.changes import ChangeDesk
from bot.hr.web import filters
from bot.hr.web.context import EXTENSION, FeedbackReader, Search, TrackerEvents, WebUser, Workbench
from bot.insights.data import EventRow, read_events
from bot.insights.feedback import Feedback, FeedbackRepository
from bot.settings import Settings, made_once

logger = logging.getLogger(__name__)
PREFIX = "/hr"
SECRET_KEY_FILE = Path("var") / "hr-secret-key"
PUBLIC_ENDPOINTS = {"auth.login", "static"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DANISH_ERRORS = {
    400: ("Forkert forespørgsel", "Forespørgslen kunne ikke læses."),
    401: ("Log ind", "Du skal logge ind for at bruge HR-værkstedet."),
    403: ("Ingen adgang", "Du har ikke adgang til denne handling."),
    404: ("Siden findes ikke", "Siden eller enheden findes ikke."),
    405: ("Ikke tilladt", "Den handling kan ikke udføres på denne side."),
    413: ("For stor", "Det indsendte er for stort."),
    500: ("Noget gik galt", "Der skete en fejl i HR-værkstedet. Prøv igen, eller kontakt en udvikler."),
}
CSRF_MESSAGE = ("Sikkerhedsnøglen mangler eller er udløbet, så handlingen blev ikke udført. "
                "Genindlæs siden og prøv igen.")


def secret_key(settings: Settings, path: Path | None = None) -> str:
    """The key that signs the session cookies: ``HR_SECRET_KEY``, else one made once in ``var/hr-secret-key``.

    The file is readable by its owner only (mode 600), like the Rasa token scripts/lib.sh makes, so a restart
    keeps everyone signed in and nobody has to invent a key.
    """
    return settings.hr_secret_key or made_once(path or settings.project_root / SECRET_KEY_FILE)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def tracker_reader(url: str) -> TrackerEvents:
    """The insight page's conversations: the events of a period from the tracker store at ``url``."""

    def read(start: datetime, end: datetime) -> list[EventRow]:
        return read_events(url, start, end)

    return read


def feedback_reader(url: str) -> FeedbackReader:
    """The insight page's feedback: the feedback table in the knowledge database at ``url`` (opened on first use)."""
    repositories: list[FeedbackRepository] = []

    def read(start: datetime, end: datetime) -> list[Feedback]:
        if not repositories:
            from bot.knowledge.db import engine_for

            repositories.append(FeedbackRepository(engine_for(url)))
        return repositories[0].between(start, end)

    return read


def create_app(settings: Settings, desk: ChangeDesk, accounts: AccountStore, search: Search,
               secret: str | None = None, clock: Callable[[], datetime] = _now,
               tracker_events: TrackerEvents | None = None, feedback: FeedbackReader | None = None) -> Flask:
    """The workbench app over these collaborators (the tests pass a scratch knowledge directory and database).

    ``secret`` defaults to ``secret_key(settings)``; ``clock`` decides when a sign-in has expired and what
    "today" is on the insight page. ``tracker_events`` and ``feedback`` read the conversations and the feedback
    the insight page shows; by default from ``settings.tracker_db_url`` and ``settings.knowledge_db_url``.
    """
    app = Flask(__name__, static_url_path=f"{PREFIX}/static")
    _configure(app, settings, secret)
    app.extensions[EXTENSION] = Workbench(
        settings, desk, accounts, search, clock, tracker_events or tracker_reader(settings.tracker_db_url),
        feedback or feedback_reader(settings.knowledge_db_url))
    CSRFProtect(app)
    _login_manager(app, accounts)
    filters.register(app)

    from bot.hr.web import auth, insights, knowledge, review, users

    for module in (auth, knowledge, review, users, insights):
        app.register_blueprint(module.blueprint, url_prefix=PREFIX)
    app.add_url_rule("/", "root", lambda: redirect(url_for("knowledge.browse")))
    _guard_requests(app, clock, settings.hr_session_hours)
    _handle_errors(app)
    return app


def _configure(app: Flask, settings: Settings, secret: str | None) -> None:
    """Session cookie and CSRF settings: HttpOnly, SameSite, Secure behind TLS, expiring with the session."""
    hours = settings.hr_session_hours
    app.config.update(
        SECRET_KEY=secret or secret_key(settings),
        SESSION_COOKIE_NAME="lederbot_hr",
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.hr_secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
        WTF_CSRF_TIME_LIMIT=int(hours * 3600),  # a form left open for a long edit still saves
        MAX_CONTENT_LENGTH=1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )


def _guard_requests(app: Flask, clock: Callable[[], datetime], hours: float) -> None:
    """Every page but sign-in needs a session younger than ``hours``; every answer gets the security headers."""

    @app.before_request
    def _signed_in_or_away() -> BaseResponse | None:
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or request.endpoint == "root":
            return None
        if current_user.is_authenticated:
            started = session.get("signed_in_at")
            if isinstance(started, (int, float)) and clock().timestamp() - started <= hours * 3600:
                return None
            logout_user()
            session.clear()
            flash(f"Du har været logget ind i mere end {filters.hours_text(hours)}. Log ind igen.", "info")
        return _unauthorized()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def _handle_errors(app: Flask) -> None:
    """Danish error pages: a missing CSRF token is 403, an unexpected error is logged and 500."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[Any, int]:
        return _error_page(403, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        code = error.code or 500
        if code < 400:
            return error
        default = error.description == type(error).description
        return _error_page(code, None if default else error.description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Any, int]:
        logger.exception("HR workbench error on %s %s", request.method, request.path, exc_info=error)
        return _error_page(500, None)


def _login_manager(app: Flask, accounts: AccountStore) -> None:
    manager = LoginManager(app)
    manager.session_protection = "strong"

    @manager.user_loader
    def _load(username: str) -> WebUser | None:
        account = accounts.get(username)
        return WebUser(account) if account is not None else None

    manager.unauthorized_handler(_unauthorized)


def wants_json() -> bool:
    """Whether the caller is the page's script (JSON in, JSON out) rather than the browser itself."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _unauthorized() -> BaseResponse:
    if wants_json():
        response = jsonify(error=DANISH_ERRORS[401][1])
        response.status_code = 401
        return response
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target) if target and safe_next(target) else url_for("auth.login"))


def safe_next(target: str | None) -> bool:
    """Whether a sign-in may send the user on to ``target``: only a path inside the workbench, never off-site."""
    if not target or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith(PREFIX + "/") and not target.startswith("//")


def _error_page(code: int, message: str | None) -> tuple[Any, int]:
    title, default = DANISH_ERRORS.get(code, DANISH_ERRORS[500] if code >= 500 else DANISH_ERRORS[400])
    if wants_json():
        return jsonify(error=message or default), code
    return render_template("error.html", title=title, message=message or default, code=code), code
