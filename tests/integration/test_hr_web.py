"""The HR workbench in a browser, through Flask's test client over a copy of the knowledge files and a real
SQLite database: sign-in and lock-out, CSRF, roles and four eyes, editing with the draft's problems and the
bot's preview, propose → approve → publish → live in the bot's repository, roll back, adding from a template."""

from __future__ import annotations

import html
import io
import os
import re
import secrets
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.cli.main import main as cli_main
from bot.hr.accounts import AccountStore, Role
from bot.hr.changes import ChangeDesk, ChangeStatus
from bot.hr.web import create_app, secret_key
from bot.hr.web.forms import TEMPLATES
from bot.knowledge.db import make_engine
from bot.knowledge.publish import load_into
from bot.knowledge.repository import SqlKnowledgeRepository
from bot.knowledge.service import KnowledgeService
from bot.names import KINDS
from bot.settings import Settings
from tests.conftest import KNOWLEDGE_DIR

LEVEL_2 = "kalundborg.drift.oekonomistyring.niveau-2"
PEJLEMAERKE = "kalundborg.drift.oekonomistyring"
KALUNDBORG_FILE = "kalundborg-ledelses-og-styringsgrundlag.yml"
PASSWORDS = {"rikke": "en lang adgangskode 1", "gitte": "en lang adgangskode 2", "gorm": "en lang adgangskode 3"}


@dataclass
class Workbench:
    app: Flask
    desk: ChangeDesk
    accounts: AccountStore
    now: list[datetime]

    def client(self, username: str | None = None) -> Browser:
        browser = Browser(self.app.test_client())
        if username:
            response = browser.sign_in(username, PASSWORDS[username])
            assert response.status_code == 302, response.get_data(as_text=True)
        return browser


class Browser:
    """One person's browser: a cookie jar, and the CSRF token the pages carry."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def token(self, path: str = "/hr/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str):
        return self.client.post("/hr/login", data={"csrf_token": self.token(), "username": username,
                                                   "password": password})

    def post(self, path: str, data: dict[str, str] | None = None, follow: bool = True):
        form = {"csrf_token": self.token("/hr/changes"), **(data or {})}
        return self.client.post(path, data=form, follow_redirects=follow)

    def post_json(self, path: str, data: dict[str, str]):
        return self.client.post(path, json=data, headers={"X-CSRFToken": self.token("/hr/changes")})

    def edit(self, unit_id: str, **fields: str) -> str:
        """Submit the unit's form as the page shows it, with ``fields`` changed."""
        page = self.page(f"/hr/units/{unit_id}")
        form = form_values(page, "unit-form")
        form.update(fields)
        response = self.post(f"/hr/units/{unit_id}", form)
        assert response.status_code == 200
        return response.get_data(as_text=True)


def form_values(page: str, form_id: str) -> dict[str, str]:
    """The named inputs, text areas and selected options of one form on the page, as a browser sends them."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)
    values = {m.group(1): html.unescape(m.group(2))
              for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)}
    values.update({m.group(1): html.unescape(m.group(2))
                   for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S)})
    for select in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
        if chosen:
            values[select.group(1)] = chosen.group(1)
    values.pop("csrf_token", None)
    return values


def text_of(page: str) -> str:
    """The page's visible text in one line (tags dropped, entities decoded), for assertions on what HR reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}".*?</div>', page, re.S).group(0)


@pytest.fixture
def bench(tmp_path: Path) -> Workbench:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    engine = make_engine(f"sqlite:///{tmp_path / 'knowledge.db'}")
    load_into(engine, directory, with_embeddings=False)
    desk = ChangeDesk(engine, directory, require_approval=True)
    accounts = AccountStore(engine)
    accounts.add("rikke", "Rikke Redaktør", Role.EDITOR, PASSWORDS["rikke"])
    accounts.add("gitte", "Gitte Godkender", Role.APPROVER, PASSWORDS["gitte"])
    accounts.add("gorm", "Gorm Godkender", Role.APPROVER, PASSWORDS["gorm"])
    settings = Settings.from_env({"KNOWLEDGE_EMBEDDINGS": "0"}, env_file=tmp_path / "none.env")
    service = KnowledgeService(SqlKnowledgeRepository(engine))
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)]
    app = create_app(settings, desk, accounts, lambda query: service.index().search(query, limit=8),
                     secret=secrets.token_urlsafe(32), clock=lambda: now[0])
    return Workbench(app, desk, accounts, now)


# -- signing in ---------------------------------------------------------------------------------------------

def test_without_a_session_every_page_sends_you_to_sign_in(bench: Workbench) -> None:
    browser = bench.client()
    for path in ("/hr/", f"/hr/units/{LEVEL_2}", "/hr/changes", "/hr/history", "/hr/users"):
        response = browser.client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/hr/login?next=/hr/")
    # The page's script gets JSON, not a redirect (a token from the sign-in page, but no session).
    response = browser.client.post("/hr/api/ask", json={"question": "økonomi"},
                                   headers={"X-CSRFToken": browser.token()})
    assert response.status_code == 401 and "logge ind" in response.get_json()["error"]
    page = browser.page("/hr/login")
    assert '<label for="username">Brugernavn</label>' in page and 'lang="da"' in page


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(bench: Workbench) -> None:
    browser = bench.client()
    data = {"csrf_token": browser.token(), "username": "rikke", "password": PASSWORDS["rikke"],
            "next": "/hr/history"}
    assert browser.client.post("/hr/login", data=data).headers["Location"] == "/hr/history"
    other = bench.client()
    data = {**data, "csrf_token": other.token(), "next": "//evil.example/hr/"}
    assert other.client.post("/hr/login", data=data).headers["Location"] == "/hr/"


def test_five_wrong_passwords_lock_the_account_and_the_page_says_so(bench: Workbench) -> None:
    browser = bench.client()
    for _ in range(5):
        response = browser.sign_in("rikke", "forkert adgangskode")
        assert response.status_code == 401
        assert "Forkert brugernavn eller adgangskode." in text_of(response.get_data(as_text=True))
    response = browser.sign_in("rikke", PASSWORDS["rikke"])
    assert response.status_code == 401
    assert "For mange forkerte forsøg. Kontoen er låst i 15 minutter." in text_of(response.get_data(as_text=True))
    assert browser.client.get("/hr/").status_code == 302  # still not signed in


def test_the_session_cookie_is_httponly_lax_and_secure_behind_tls(bench: Workbench, tmp_path: Path) -> None:
    response = bench.client().sign_in("rikke", PASSWORDS["rikke"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/hr" in cookie and "Secure" not in cookie
    settings = Settings.from_env({"HR_SECURE_COOKIES": "1", "KNOWLEDGE_EMBEDDINGS": "0"},
                                 env_file=tmp_path / "none.env")
    secure = create_app(settings, bench.desk, bench.accounts, lambda query: [], secret=secrets.token_urlsafe(32))
    browser = Browser(secure.test_client())
    assert "Secure" in browser.sign_in("rikke", PASSWORDS["rikke"]).headers["Set-Cookie"]


def test_a_sign_in_expires_after_the_session_hours(bench: Workbench) -> None:
    browser = bench.client("rikke")
    bench.now[0] += timedelta(hours=7, minutes=59)
    assert browser.client.get("/hr/").status_code == 200
    bench.now[0] += timedelta(minutes=2)
    response = browser.client.get("/hr/", follow_redirects=True)
    assert "Du har været logget ind i mere end 8 timer. Log ind igen." in text_of(response.get_data(as_text=True))
    assert browser.client.get("/hr/").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(bench: Workbench) -> None:
    browser = bench.client("rikke")
    assert browser.client.get("/hr/logout").status_code == 405
    response = browser.post("/hr/logout")
    assert "Du er logget ud." in text_of(response.get_data(as_text=True))
    assert browser.client.get("/hr/").status_code == 302


# -- CSRF and roles -------------------------------------------------------------------------------------------

def test_a_post_without_or_with_a_wrong_csrf_token_is_403_in_danish(bench: Workbench) -> None:
    browser = bench.client("rikke")
    for token in (None, "forkert"):
        data = {"title": "Ny titel", **({"csrf_token": token} if token else {})}
        response = browser.client.post(f"/hr/units/{LEVEL_2}", data=data)
        assert response.status_code == 403
        assert "Sikkerhedsnøglen mangler eller er udløbet" in text_of(response.get_data(as_text=True))
    response = browser.client.post(f"/hr/api/units/{LEVEL_2}/check", json={"text": "x"})
    assert response.status_code == 403 and "Sikkerhedsnøglen" in response.get_json()["error"]
    assert bench.client().client.post("/hr/login", data={"username": "rikke", "password": "x"}).status_code == 403
    assert bench.desk.changes() == []  # nothing was saved


def test_a_redaktoer_cannot_approve_publish_roll_back_or_add_users(bench: Workbench) -> None:
    gitte = bench.client("gitte")
    gitte.edit(LEVEL_2, text="Holder budgettet.")
    [change] = bench.desk.changes()
    gitte.post(f"/hr/changes/{change.id}/propose", {"comment": "Til Rikke"})
    rikke = bench.client("rikke")
    page = rikke.page(f"/hr/changes/{change.id}")
    assert ">Godkend</button>" not in page and ">Udgiv nu</button>" not in page
    for step in ("approve", "publish", "reject"):
        response = rikke.post(f"/hr/changes/{change.id}/{step}")
        assert response.status_code == 403
        assert "Det kræver rollen godkender." in text_of(response.get_data(as_text=True))
    assert rikke.post("/hr/history/1/rollback").status_code == 403
    assert rikke.client.get("/hr/users").status_code == 403
    assert bench.desk.get(change.id).status is ChangeStatus.PROPOSED


def test_nobody_approves_their_own_change(bench: Workbench) -> None:
    gitte = bench.client("gitte")
    gitte.edit(LEVEL_2, text="Egen tekst.")
    [change] = bench.desk.changes()
    gitte.post(f"/hr/changes/{change.id}/propose")
    page = gitte.page(f"/hr/changes/{change.id}")
    assert ">Godkend</button>" not in page and "venter på, at en anden godkender" in text_of(page)
    response = gitte.post(f"/hr/changes/{change.id}/approve")
    assert "Du kan ikke godkende din egen ændring: en anden godkender skal se den." in text_of(
        response.get_data(as_text=True))
    assert bench.desk.get(change.id).status is ChangeStatus.PROPOSED


# -- editing, problems and the preview ---------------------------------------------------------------------

def test_editing_a_level_2_text_shows_the_new_text_in_the_preview_and_not_in_the_bot(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    repo = SqlKnowledgeRepository(bench.desk._engine)
    old = repo.get(LEVEL_2).text
    page = rikke.edit(LEVEL_2, text="Holder budgettet og forklarer afvigelser i tide.")
    assert "Gemt i din kladde" in text_of(page)
    preview = section(page, "preview")
    assert "Holder budgettet og forklarer afvigelser i tide." in preview
    assert "Differentieret og proaktiv økonomistyring – Niveau 2 (Kalundborg Kommune)" in preview
    assert old not in preview and old in page  # today's answer is one click away
    assert repo.get(LEVEL_2).text == old  # a draft is not live
    [change] = bench.desk.changes(ChangeStatus.DRAFT)
    assert change.author == "rikke" and list(change.files) == [KALUNDBORG_FILE]
    # A second edit goes into the same draft.
    rikke.edit(LEVEL_2, keywords="budget, afvigelser")
    assert [c.id for c in bench.desk.changes()] == [change.id]


def test_live_check_returns_the_typed_texts_problems_and_preview_as_json(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    good = rikke.post_json(f"/hr/api/units/{LEVEL_2}/check", {"text": "Skriver sin egen tekst."}).get_json()
    assert good["ok"] and good["problems"] == []
    assert "Skriver sin egen tekst." in good["preview"][0]["text"]
    bad = rikke.post_json(f"/hr/api/units/{LEVEL_2}/check", {"text": "Gode resul- tater."}).get_json()
    [problem] = bad["problems"]
    assert not bad["ok"] and bad["preview"] is None and problem["field"] == "text"
    assert problem["file"] == KALUNDBORG_FILE and problem["line"] > 1
    assert problem["text"] == (f"{KALUNDBORG_FILE}, linje {problem['line']}: orddeling fra PDF'en i 'text': "
                               "'resul- tater' (skal være ét ord)")
    assert bench.desk.changes() == []  # checking saves nothing


def test_a_broken_edit_shows_its_danish_error_with_the_line_and_cannot_be_proposed(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    page = rikke.edit(LEVEL_2, text="Et ord med resul- tater delt ved linjeskift.")
    problems = text_of(section(page, "problems-text"))
    match = re.search(rf"{KALUNDBORG_FILE}, linje (\d+): orddeling fra PDF'en i 'text': 'resul- tater' "
                      r"\(skal være ét ord\)", problems)
    assert match and int(match.group(1)) > 1
    assert 'aria-invalid="true">Et ord med resul- tater' in page
    [change] = bench.desk.changes()
    change_page = rikke.page(f"/hr/changes/{change.id}")
    assert "Fejl, der skal rettes" in text_of(change_page) and f"linje {match.group(1)}" in change_page
    assert "Send til godkendelse" not in text_of(change_page)
    response = rikke.post(f"/hr/changes/{change.id}/propose")
    assert "Ændringen har fejl, der skal rettes først." in text_of(response.get_data(as_text=True))
    assert bench.desk.get(change.id).status is ChangeStatus.DRAFT


def test_text_from_the_files_and_forms_is_shown_as_text_never_as_html(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    page = rikke.edit(LEVEL_2, text="Et <script>alert(1)</script> i teksten.")
    assert "<script>alert(1)</script>" not in page
    assert "Et &lt;script&gt;alert(1)&lt;/script&gt; i teksten." in page
    assert "script-src 'self'" in rikke.client.get("/hr/").headers["Content-Security-Policy"]


# -- the way to the bot ----------------------------------------------------------------------------------------

def test_propose_approve_publish_is_live_and_roll_back_brings_the_old_text_back(bench: Workbench) -> None:
    repo = SqlKnowledgeRepository(bench.desk._engine)
    old = repo.get(LEVEL_2).text
    new = "Holder budgettet og forklarer afvigelser i tide."
    rikke = bench.client("rikke")
    rikke.edit(LEVEL_2, text=new)
    [change] = bench.desk.changes()
    page = rikke.page(f"/hr/changes/{change.id}")
    summary = text_of(page)
    assert f"Ændret Differentieret og proaktiv økonomistyring – Niveau 2 ({LEVEL_2}) Tekst Før: {old} → Efter: {new}" \
        in summary
    response = rikke.post(f"/hr/changes/{change.id}/propose", {"comment": "Ny formulering fra direktionen"})
    assert "Ændringen er sendt til godkendelse." in text_of(response.get_data(as_text=True))

    gitte = bench.client("gitte")
    assert "Ændring " + str(change.id) in text_of(gitte.page("/hr/changes"))
    response = gitte.post(f"/hr/changes/{change.id}/approve")
    assert "Ændringen er godkendt og kan udgives." in text_of(response.get_data(as_text=True))
    response = gitte.post(f"/hr/changes/{change.id}/publish")
    assert "Botten svarer med den nye tekst inden for få sekunder." in text_of(response.get_data(as_text=True))
    assert repo.get(LEVEL_2).text == new
    assert new in (bench.desk.directory / KALUNDBORG_FILE).read_text(encoding="utf-8")

    history = text_of(gitte.page("/hr/history"))
    assert "Version 2 Gældende" in history and "Gitte Godkender" in history
    assert "Ny formulering fra direktionen" in history and f"Før: {old} → Efter: {new}" in history
    assert "Udgangspunkt før første udgivelse" in history
    response = gitte.post("/hr/history/1/rollback")
    assert "Rullet tilbage til version 1 (ny version 3)." in text_of(response.get_data(as_text=True))
    assert repo.get(LEVEL_2).text == old
    assert "Rullet tilbage til version 1" in text_of(gitte.page("/hr/history"))


def test_a_new_synonym_answers_in_the_draft_before_it_is_published(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    before = rikke.post_json("/hr/api/ask", {"question": "kassetjek"}).get_json()["messages"]
    assert before[0]["text"].startswith("Det kan jeg ikke finde noget om")
    page = rikke.page(f"/hr/units/{PEJLEMAERKE}")
    synonyms = form_values(page, "unit-form")["synonyms"]
    rikke.edit(PEJLEMAERKE, synonyms=synonyms + ", kassetjek")
    answer = rikke.post_json("/hr/api/ask", {"question": "kassetjek"}).get_json()
    assert answer["messages"][0]["text"].startswith("Differentieret og proaktiv økonomistyring (Kalundborg Kommune)")
    # Without JavaScript the form posts and the page shows the same answer.
    response = rikke.post(f"/hr/units/{PEJLEMAERKE}/ask", {"question": "kassetjek"})
    assert "Svar på »kassetjek«: Differentieret og proaktiv økonomistyring (Kalundborg Kommune)" in text_of(
        section(response.get_data(as_text=True), "ask-answer"))
    # The published bot does not know the word yet: the browse search is the live bot's.
    live = text_of(rikke.page("/hr/?q=kassetjek"))
    assert "Botten finder ikke noget sikkert svar" in live and "svagt match" in live


def test_adding_a_pejlemaerke_and_its_level_description_from_the_templates(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    form = rikke.page("/hr/units/kalundborg.drift/new")
    assert '<option value="pejlemaerke" selected>Pejlemærke</option>' in form
    assert 'value="level_description"' not in form  # only under a pejlemærke
    response = rikke.post("/hr/units/kalundborg.drift/new", {
        "kind": "pejlemaerke", "title": "Grøn omstilling på tværs", "text": "Handler om at omstille.",
        "synonyms": "grøn omstilling", "keywords": "", "items": "", "label": ""})
    new_id = "kalundborg.drift.groen-omstilling-paa-tvaers"
    page = response.get_data(as_text=True)
    assert "Pejlemærke 'Grøn omstilling på tværs' er tilføjet i din kladde" in text_of(page)
    assert f"id <code>{new_id}</code>" in page and "Handler om at omstille." in section(page, "preview")

    level_form = rikke.page(f"/hr/units/{new_id}/new")
    values = form_values(level_form, "add-form")
    assert values["kind"] == "level_description" and values["level"] == "1"
    assert values["title"] == "Grøn omstilling på tværs – Niveau 1" and values["label"] == "Niveau 1"
    response = rikke.post(f"/hr/units/{new_id}/new", {**values, "text": "Omstiller egen enhed."})
    assert f"id <code>{new_id}.groen-omstilling-paa-tvaers-niveau-1</code>" in response.get_data(as_text=True)

    [change] = bench.desk.changes()
    summary = text_of(rikke.page(f"/hr/changes/{change.id}"))
    assert "Tilføjet Grøn omstilling på tværs" in summary and "Tilføjet Grøn omstilling på tværs – Niveau 1" in summary
    tree = rikke.page("/hr/")
    assert "Grøn omstilling på tværs</a>" in tree and "Tilføjet i din kladde" in text_of(tree)


def test_every_kind_has_a_template() -> None:
    assert set(TEMPLATES) == set(KINDS)


def test_a_rejected_change_can_be_reopened_and_discarded_by_its_author(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    rikke.edit(LEVEL_2, text="Et forslag.")
    [change] = bench.desk.changes()
    rikke.post(f"/hr/changes/{change.id}/propose")
    response = bench.client("gitte").post(f"/hr/changes/{change.id}/reject")
    assert "Ændringen er afvist." in text_of(response.get_data(as_text=True))
    response = rikke.post(f"/hr/changes/{change.id}/reopen")
    assert "Ændringen er åbnet igen som din kladde." in text_of(response.get_data(as_text=True))
    assert bench.desk.open_draft(bench.accounts.get("rikke")).id == change.id
    response = rikke.post(f"/hr/changes/{change.id}/discard")
    assert f"Ændring {change.id} er kasseret." in text_of(response.get_data(as_text=True))
    assert bench.desk.changes() == []


def test_a_title_is_needed_to_add_a_unit(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    response = rikke.post("/hr/units/kalundborg.drift/new", {"kind": "pejlemaerke", "title": " ", "text": "x"})
    assert response.status_code == 400
    assert "Skriv en titel: enhedens id laves ud fra den." in text_of(response.get_data(as_text=True))
    assert bench.desk.changes() == []


def test_browse_shows_the_tree_and_the_bots_search_hits(bench: Workbench) -> None:
    rikke = bench.client("rikke")
    page = text_of(rikke.page("/hr/"))
    for name in ("KL", "Kalundborg Kommune", "Glostrup Kommune", "Ledelses- og styringsgrundlag",
                 "Vi holder styr på driften", "Differentieret og proaktiv økonomistyring – Niveau 2"):
        assert name in page
    hits = text_of(re.search(r'<ol class="hits">.*?</ol>', rikke.page("/hr/?q=økonomistyring"), re.S).group(0))
    assert hits.startswith("Differentieret og proaktiv økonomistyring – Kalundborg Kommune · Pejlemærke")
    assert hits.count("Differentieret og proaktiv økonomistyring – Niveau 2 ") == 1  # one line per unit


# -- users and the command line --------------------------------------------------------------------------------

def test_a_godkender_adds_a_user_who_can_then_sign_in(bench: Workbench) -> None:
    gitte = bench.client("gitte")
    data = {"username": "Rasmus", "name": "Rasmus Redaktør", "role": "redaktoer",
            "password": "endnu en lang kode", "password_again": "endnu en lang kode"}
    response = gitte.post("/hr/users", data)
    assert "Rasmus Redaktør (rasmus) er oprettet." in text_of(response.get_data(as_text=True))
    short = gitte.post("/hr/users", {**data, "username": "kort", "password": "kort", "password_again": "kort"})
    assert short.status_code == 400 and "mindst 12 tegn" in text_of(short.get_data(as_text=True))
    assert bench.client().sign_in("rasmus", "endnu en lang kode").status_code == 302


def test_cli_adds_a_user_from_stdin(bench: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("en meget lang kode\n"))
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    assert cli_main(["hr", "add-user", "--username", "hanne", "--name", "Hanne HR", "--role", "godkender",
                     "--password-stdin", "--db", url]) == 0
    assert "Oprettet: hanne (Hanne HR), godkender." in capsys.readouterr().out
    assert bench.accounts.sign_in("hanne", "en meget lang kode").role is Role.APPROVER


def test_the_secret_key_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "none.env")
    path = tmp_path / "var" / "hr-secret-key"
    key = secret_key(settings, path)
    assert len(key) >= 32 and secret_key(settings, path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    configured = "k" * 40
    assert secret_key(Settings.from_env({"HR_SECRET_KEY": configured}, env_file=tmp_path / "none.env"), path) \
        == configured
