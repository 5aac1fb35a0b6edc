"""Browsing, editing and adding knowledge units, with the draft's problems and the bot's answer beside the form.

Every edit goes into the user's own open draft (created on the first save), never into the live files: the
draft is checked with the same rules as ``knowledge check`` and previewed with the bot's own code, and goes
live only through propose → approve → publish (``review.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from ruamel.yaml.error import YAMLError
from werkzeug.wrappers import Response

from bot.core.answering import MIN_COVERAGE, MIN_NGRAM
from bot.core.model import KnowledgeSet, Unit
from bot.core.search import Hit
from bot.hr import workspace as ws
from bot.hr.changes import ChangeError, ChangeStatus, summarise
from bot.hr.preview import messages_as_dicts
from bot.hr.web import forms
from bot.hr.web.context import Draft, me, my_draft, workbench
from bot.knowledge.loader import Problem

blueprint = Blueprint("knowledge", __name__)
MAX_QUESTION_CHARS = 500
MAX_SYNONYM_CHARS = 200
SEARCH_HITS = 8


@dataclass
class Node:
    """A unit in the browse tree with the units under it."""

    unit: Unit
    children: list[Node] = field(default_factory=list)


def tree(knowledge: KnowledgeSet) -> list[dict[str, Any]]:
    """Organisations → documents → their units nested by ``parent``, in the files' order."""
    nodes = {u.id: Node(u) for u in sorted(knowledge.units, key=lambda u: u.position)}
    roots: dict[str, list[Node]] = {d.id: [] for d in knowledge.documents}
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id or "")
        if parent is not None:
            parent.children.append(node)
        else:
            roots.setdefault(node.unit.document_id, []).append(node)
    return [{"organisation": org, "documents": [{"document": d, "roots": roots.get(d.id, [])}
                                                for d in knowledge.documents if d.organisation_id == org.id]}
            for org in knowledge.organisations]


def sure_hit(hit: Hit) -> bool:
    """Whether the bot would answer with this hit's words (the answerer's lexical thresholds), not just list it."""
    return hit.coverage >= MIN_COVERAGE or hit.ngram >= MIN_NGRAM


def changed_units(current: KnowledgeSet | None, draft: KnowledgeSet | None) -> dict[str, str]:
    """Unit id → how the draft changes it ("ændret", "tilføjet"), for the marks in the tree."""
    if current is None or draft is None:
        return {}
    return {entry["unit"]: entry["change"] for entry in summarise(current, draft)}


@blueprint.get("/")
def browse() -> str:
    """The knowledge as a tree (as the user's draft has it) and a search with the bot's own search."""
    bench = workbench()
    draft = my_draft()
    current, _ = bench.current()
    knowledge = draft.knowledge or current
    query = request.args.get("q", "").strip()[:200]
    hits: list[Hit] = []
    search_error = ""
    if query:
        try:
            best: dict[str, Hit] = {}
            for hit in bench.search(query):  # a unit's passages are hits of their own: show each unit once
                best.setdefault(hit.unit.id, hit)
            hits = list(best.values())[:SEARCH_HITS]
        except Exception:  # the database is not loaded or not reachable: say so, keep the page
            search_error = "Søgningen virker ikke lige nu: botten har ingen indlæst viden at søge i."
    organisations = {o.id: o.name for o in (knowledge.organisations if knowledge else ())}
    return render_template(
        "browse.html", tree=tree(knowledge) if knowledge else [], draft=draft, query=query, hits=hits,
        search_error=search_error, sure={h.unit.id for h in hits if sure_hit(h)}, organisations=organisations,
        changed=changed_units(current, draft.knowledge))


def _located(draft: Draft, unit_id: str) -> ws.UnitLocation:
    try:
        return ws.locate(draft.files, unit_id)
    except ws.WorkspaceError as error:
        abort(404, description=str(error))
    except YAMLError:
        abort(409, description="En vidensfil kan ikke læses som YAML. Ret den i git (se fejlene under Ændringer).")


def _unit_of(draft: Draft, unit_id: str) -> Unit | None:
    current, _ = workbench().current()
    for knowledge in (draft.knowledge, current):
        for unit in knowledge.units if knowledge else ():
            if unit.id == unit_id:
                return unit
    return None


def problems_by_field(problems: Iterable[Problem], lines: ws.UnitLines) -> tuple[dict[str, list[Problem]],
                                                                                  list[Problem], list[Problem]]:
    """The draft's problems split: by field of this unit, elsewhere in this unit, and in the rest of the draft."""
    by_field: dict[str, list[Problem]] = {}
    in_unit: list[Problem] = []
    elsewhere: list[Problem] = []
    for problem in problems:
        name = lines.field_at(problem.line) if problem.file == lines.path else None
        if name in forms.FIELD_NAMES:
            by_field.setdefault(str(name), []).append(problem)
        elif problem.file == lines.path and lines.first <= problem.line <= lines.last:
            in_unit.append(problem)
        else:
            elsewhere.append(problem)
    return by_field, in_unit, elsewhere


def problem_json(problem: Problem, lines: ws.UnitLines | None) -> dict[str, Any]:
    """A problem for the live check: where, what, and the form field it belongs to (if any)."""
    name = lines.field_at(problem.line) if lines is not None and problem.file == lines.path else None
    return {"file": problem.file, "line": problem.line, "message": problem.message,
            "field": name if name in forms.FIELD_NAMES else None,
            "text": f"{problem.file}, linje {problem.line}: {problem.message}"}


def _unit_page(unit_id: str, answer: list[Any] | None = None, question: str = "", values: dict[str, str] | None = None,
               status: int = 200) -> tuple[str, int]:
    bench = workbench()
    draft = my_draft()
    where = _located(draft, unit_id)
    lines = ws.unit_lines(draft.files, unit_id)
    by_field, in_unit, elsewhere = problems_by_field(draft.problems, lines)
    preview = bench.draft_bot(draft.knowledge, semantic=False).unit_answer(unit_id) if draft.knowledge else None
    current, _ = bench.current()
    live = bench.draft_bot(current, semantic=False).unit_answer(unit_id) if current else []
    unit = _unit_of(draft, unit_id)
    pending = [c for c in bench.desk.changes(ChangeStatus.PROPOSED, ChangeStatus.APPROVED) if where.path in c.files]
    return render_template(
        "unit.html", unit_id=unit_id, where=where, unit=unit, draft=draft,
        values=values or forms.form_values(where.fields), shown=forms.shown_fields(where.kind, where.fields),
        by_field=by_field, in_unit=in_unit, elsewhere=elsewhere,
        preview=preview, live=live, answer=answer, question=question, pending=pending,
        children=[u for u in (draft.knowledge.units if draft.knowledge else ()) if u.parent_id == unit_id],
    ), status


@blueprint.get("/units/<unit_id>")
def unit(unit_id: str) -> tuple[str, int]:
    """A unit's form, its problems in plain Danish, and what the bot answers with it in the draft.

    ``?synonym=`` (the insight page's "Tilføj som synonym") writes those words into the synonyms field after the
    unit's own; nothing is saved until HR saves the form.
    """
    synonym = " ".join(forms.text_value(request.args.get("synonym", ""))[:MAX_SYNONYM_CHARS].split())
    if not synonym:
        return _unit_page(unit_id)
    values = forms.form_values(_located(my_draft(), unit_id).fields)
    if synonym.casefold() in {s.casefold() for s in forms.commas(values["synonyms"])}:
        flash(f"»{synonym}« er allerede et synonym for enheden.", "info")
    else:
        values["synonyms"] = ", ".join((*forms.commas(values["synonyms"]), synonym))
        flash(f"»{synonym}« er skrevet ind i feltet Synonymer. Gem for at lægge det i din kladde.", "info")
    return _unit_page(unit_id, values=values)


@blueprint.post("/units/<unit_id>")
def save(unit_id: str) -> Response | tuple[str, int]:
    """Put the form's values into the user's open draft (creating it on the first save)."""
    bench = workbench()
    draft = my_draft()
    where = _located(draft, unit_id)
    fields = forms.fields_from(request.form, where.fields, where.kind)
    if fields == where.fields:
        flash("Der var ingen ændringer at gemme.", "info")
        return redirect(url_for("knowledge.unit", unit_id=unit_id))
    edited = ws.edit_unit(draft.files, unit_id, fields)
    try:
        change = bench.desk.save_draft(me(), edited, draft.change.id if draft.change else None)
    except ChangeError as error:
        flash(str(error), "error")
        return _unit_page(unit_id, values=forms.form_values(fields), status=409)
    _, problems = bench.checked(bench.desk.working_files(change))
    if problems:
        flash(f"Gemt i din kladde (ændring {change.id}), men der er fejl, der skal rettes, før den kan sendes "
              "til godkendelse.", "error")
    else:
        flash(f"Gemt i din kladde (ændring {change.id}). Den er ikke udgivet endnu.", "info")
    return redirect(url_for("knowledge.unit", unit_id=unit_id))


def _question() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    question = str((data or {}).get("question", "")).strip()[:MAX_QUESTION_CHARS]
    return question


def _ask_draft(question: str) -> list[Any] | None:
    draft = my_draft()
    if draft.knowledge is None:
        return None
    return workbench().draft_bot(draft.knowledge).ask(question)


@blueprint.post("/units/<unit_id>/ask")
def ask_on_unit(unit_id: str) -> tuple[str, int]:
    """"Spørg botten" without JavaScript: the unit page again, with the draft's answer to the question."""
    question = _question()
    if not question:
        flash("Skriv et spørgsmål.", "error")
        return _unit_page(unit_id, status=400)
    answer = _ask_draft(question)
    if answer is None:
        flash("Kladden har fejl, så botten kan ikke svare fra den. Ret fejlene først.", "error")
        return _unit_page(unit_id, question=question, status=409)
    return _unit_page(unit_id, answer=answer, question=question)


@blueprint.post("/api/ask")
def ask() -> tuple[Response, int]:
    """The draft's answer to a question, as JSON for the page's script."""
    question = _question()
    if not question:
        return jsonify(error="Skriv et spørgsmål."), 400
    answer = _ask_draft(question)
    if answer is None:
        return jsonify(error="Kladden har fejl, så botten kan ikke svare fra den. Ret fejlene først."), 409
    return jsonify(question=question, messages=messages_as_dicts(answer)), 200


@blueprint.post("/api/units/<unit_id>/check")
def check(unit_id: str) -> tuple[Response, int]:
    """Live validation while HR types: the draft with the typed values checked, and the unit's answer from it.

    Nothing is saved; the preview uses no semantic vectors (a unit's own answer does not need them).
    """
    bench = workbench()
    draft = my_draft()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="Forespørgslen skal være JSON."), 400
    where = _located(draft, unit_id)
    files = ws.edit_unit(draft.files, unit_id, forms.fields_from(data, where.fields, where.kind))
    knowledge, problems = bench.checked(files)
    lines = ws.unit_lines(files, unit_id)
    preview = bench.draft_bot(knowledge, semantic=False).unit_answer(unit_id) if knowledge else None
    return jsonify(ok=knowledge is not None, problems=[problem_json(p, lines) for p in problems],
                   preview=messages_as_dicts(preview) if preview is not None else None), 200


@blueprint.route("/units/<parent_id>/new", methods=["GET", "POST"])
def add(parent_id: str) -> Response | tuple[str, int]:
    """A new unit under ``parent_id`` from a template of its kind; its id is made from the title."""
    bench = workbench()
    draft = my_draft()
    parent_where = _located(draft, parent_id)
    parent = _unit_of(draft, parent_id)
    if parent is None:
        abort(409, description="Kladden har fejl, der skal rettes, før der kan tilføjes enheder her.")
    siblings = [u for u in (draft.knowledge.units if draft.knowledge else ()) if u.parent_id == parent_id]
    templates = forms.kinds_under(parent)
    kinds = {t.kind: t for t in templates}
    kind = (request.values.get("kind") or templates[0].kind).strip()
    if kind not in kinds:
        abort(400, description="Den slags enhed kan ikke lægges her.")
    template = kinds[kind]
    start = forms.new_unit_fields(template, parent, siblings)
    values = forms.form_values(start)
    error = ""
    if request.method == "POST":
        fields = forms.fields_from(request.form, start, kind)
        values = forms.form_values(fields)
        if not fields.title:
            error = "Skriv en titel: enhedens id laves ud fra den."
        else:
            try:
                files, new_id = ws.add_unit(draft.files, parent_id, kind, fields)
                change = bench.desk.save_draft(me(), files, draft.change.id if draft.change else None)
            except (ws.WorkspaceError, ChangeError) as problem:
                error = str(problem)
            else:
                flash(f"{template.name} '{fields.title}' er tilføjet i din kladde (ændring {change.id}) "
                      f"med id {new_id}.", "info")
                return redirect(url_for("knowledge.unit", unit_id=new_id))
    shown = forms.shown_fields(kind, start) | ({"items"} if template.items else set())
    return render_template("add.html", parent=parent, parent_where=parent_where, templates=templates,
                           template=template, values=values, shown=shown, error=error,
                           slug=ws.slug(values["title"]) if values["title"] else ""), 400 if error else 200
