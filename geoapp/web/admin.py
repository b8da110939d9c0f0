"""For GIS staff and admins: upload, validate, publish, roll back; users and audit."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from geoapp import accounts as auth
from geoapp.ingest.preview import preview_geojson
from geoapp.ingest import publish
from geoapp.sessions import sign_out_everywhere
from geoapp.export.downloads import BOUNDARY_FORMATS, INDICATOR_FORMATS
from geoapp.errors import BadRequest, Conflict, GeoappError, NotFound
from geoapp.i18n import translate
from geoapp.ingest.encodings import CHOICES as ENCODINGS
from geoapp.ingest.quota import quota_for
from geoapp.storage.base import KINDS, check_kind, is_boundary_kind, kind_edition
from geoapp.ingest import CRS_PRESETS, list_layers
from geoapp.web.auth import current_user, require
from geoapp.web.errors import respond
from geoapp.web.i18n import current_lang
from geoapp.web.limits import expensive
from geoapp.web.state import dataset, state

bp = Blueprint("admin", __name__)

MAPPING_ROLES = ("code", "name", "district", "year", "indicator", "value", "status", "source", "note")
DOWNLOAD_FORMATS = {"boundaries": BOUNDARY_FORMATS, "indicators": INDICATOR_FORMATS}
AUDIT_LIMIT = 500


EDITION = publish.EDITION
MAX_CROSSWALK_BYTES = 2_000_000


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound()
    return kind


def _upload_kind(kind: str) -> str:
    """Return a kind that can be uploaded: boundaries, indicators or a new boundary edition."""
    return kind if kind == EDITION else _kind(kind)


def _stored_kind(kind: str) -> str:
    """Return a kind with versions: boundaries, indicators or an edition's boundaries ("boundaries:2027")."""
    try:
        return check_kind(kind)
    except ValueError:
        raise NotFound() from None


def kind_title(kind: str, lang: str) -> str:
    """Return a kind of data as staff read it ("Boundaries of edition 2027" for an edition's boundaries)."""
    if kind in KINDS or kind == EDITION:
        return translate(f"admin_kind_{kind}", lang)
    return translate("admin_kind_edition_of", lang, edition=kind_edition(kind))


def _root():
    return publish.pending_root(state().settings)


def _limits():
    return publish.limits_for(state().settings)


def _quota():
    return quota_for(state().settings)


def _actor() -> str:
    return current_user()["name"]


def _int(raw: str | None) -> int | None:
    """Return an integer form field, None when empty, or raise BadRequest."""
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest() from None


def wide_columns(text: str) -> dict[str, str]:
    """Parse "column = indicator_id" lines of the wide-table mapping."""
    out = {}
    for line in (text or "").splitlines():
        if line.strip():
            column, sep, indicator = line.partition("=")
            if not sep or not column.strip() or not indicator.strip():
                raise BadRequest("admin_error_wide_line", line=line.strip())
            out[column.strip()] = indicator.strip()
    return out


def form_options(kind: str) -> dict:
    """Return the check options of the upload form."""
    form = request.form
    if kind == "boundaries":
        return {
            "crs": form.get("crs_code", "").strip() or form.get("crs", ""),
            "encoding": form.get("encoding", "auto"),
            "code_field": form.get("code_field", "").strip(),
            "name_field": form.get("name_field", "").strip(),
            "layer": form.get("layer", ""),
            "district": form.get("district", ""),
            "confirm": form.get("confirm", "").strip(),
        }
    if kind == EDITION:
        options = {key: value for key, value in form_options("boundaries").items() if key != "district"}
        options.update({key: form.get(key, "").strip() for key in ("edition", "valid_from", "previous", "title_vi",
                                                                   "title_en")})
        options.update(uploaded_crosswalk())
        return options
    mapping = {role: form.get(f"col_{role}", "").strip() for role in MAPPING_ROLES}
    mapping["indicators"] = wide_columns(form.get("wide", ""))
    return {"mapping": mapping, "district": form.get("district", "")}


def uploaded_crosswalk() -> dict:
    """Return {crosswalk: CSV text, crosswalk_name} of the crosswalk file sent with an edition ({} when none)."""
    file = request.files.get("crosswalk")
    if file is None or not file.filename:
        return {}
    raw = file.stream.read(MAX_CROSSWALK_BYTES + 1)
    if len(raw) > MAX_CROSSWALK_BYTES:
        raise BadRequest("edition_crosswalk_too_large", max_kb=MAX_CROSSWALK_BYTES // 1000)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("edition_crosswalk_unreadable") from None
    return {"crosswalk": text, "crosswalk_name": publish.clean_filename(file.filename)}


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(exc):
    max_mb = state().settings["MAX_UPLOAD_MB"]
    return respond(413, translate("admin_error_too_large", current_lang(), max_mb=max_mb))


@bp.get("/")
@require("editor")
def index():
    store = state().store
    latest = {kind: next(iter(store.history(kind)), None) for kind in KINDS}
    versions = store.published_versions()
    editions = [{"code": kind_edition(k), "kind": k, "version": v, "edition": dataset().registry.get(kind_edition(k))}
                for k, v in versions.items() if is_boundary_kind(k) and v is not None and k in dataset().versions]
    return render_template("admin/index.html", versions=versions, latest=latest, editions=editions)


@bp.get("/upload/<kind>")
@require("editor")
def upload_form(kind):
    return render_template("admin/upload.html", **_form_context(_upload_kind(kind), {}))


def _form_context(kind: str, options: dict) -> dict:
    return {
        "kind": kind,
        "options": options,
        "presets": CRS_PRESETS,
        "encodings": ENCODINGS,
        "districts": dataset().districts,
        "mapping_roles": MAPPING_ROLES,
        "layers": [],
        "needs_crs": False,
        "needs_layer": False,
        "registry": dataset().registry,
    }


@bp.post("/upload/<kind>")
@require("editor")
@expensive()
def upload(kind):
    kind = _upload_kind(kind)
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BadRequest("publish_error_no_file")
    options = form_options(kind)
    pending, check = publish.dry_run_stream(dataset(), kind, file.filename, file.stream, options,
                                            root=_root(), author=_actor(), limits=_limits(), quota=_quota())
    return _report(pending, check)


def pending_layers(pending) -> list[str]:
    """Return the layers of a pending boundary upload (a GeoJSON has one: not listed)."""
    if pending.kind not in ("boundaries", EDITION) or pending.filename.lower().endswith((".geojson", ".json")):
        return []
    return list_layers(pending.filename, pending.raw, _limits())


def _report(pending: publish.Pending, check, *, conflict: str | None = None, status: int | None = None):
    """Render the dry-run report of a pending upload."""
    layers = pending_layers(pending)
    keys = {issue.key for issue in check.errors}
    context = _form_context(pending.kind, pending.options)
    context.update(
        pending=pending,
        check=check,
        report=check.report,
        layers=layers,
        needs_crs="upload_crs_missing" in keys,
        needs_layer="upload_layer_required" in keys,
        conflict=conflict,
        formats=DOWNLOAD_FORMATS.get(pending.kind, BOUNDARY_FORMATS),
        preview=preview_geojson(check),
    )
    return render_template("admin/report.html", **context), status or (200 if check.ok else 422)


@bp.get("/pending/<token>/report.json")
@require("editor")
def report_json(token):
    """Return every finding of a dry run (the HTML page lists the first hundred of each kind)."""
    pending = publish.load_pending(_root(), token)
    body = json.dumps(pending.check().to_dict(current_lang()), ensure_ascii=False)
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="report-{pending.token[:8]}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/pending/<token>/recheck")
@require("editor")
@expensive()
def recheck(token):
    pending = publish.load_pending(_root(), token)
    options = form_options(pending.kind) if request.form.get("with_options") else None
    if options is not None and pending.kind == EDITION and not options.get("crosswalk"):
        options.update({k: pending.options[k] for k in ("crosswalk", "crosswalk_name") if k in pending.options})
    new, check = publish.recheck(dataset(), _root(), pending, options, limits=_limits(), quota=_quota())
    return _report(new, check)


@bp.post("/pending/<token>/publish")
@require("editor")
def publish_upload(token):
    pending = publish.load_pending(_root(), token)
    try:
        version = publish.publish_pending(state().store, dataset(), pending, _actor(), request.form.get("comment", ""),
                                          root=_root(), limits=_limits())
    except Conflict as exc:
        latest = state().datasets.get()  # what was published since this request began
        new, check = publish.recheck(latest, _root(), pending, limits=_limits(), quota=_quota())
        return _report(new, check, conflict=exc.message(current_lang()), status=409)
    kind = publish.stored_kind(pending.kind, pending.options)
    flash(translate("admin_published", current_lang(), kind=kind_title(kind, current_lang()), version=version), "ok")
    return redirect(url_for("admin.history", kind=kind), 303)


@bp.post("/pending/<token>/discard")
@require("editor")
def discard(token):
    pending = publish.load_pending(_root(), token)
    publish.discard(_root(), token)
    return redirect(url_for("admin.upload_form", kind=pending.kind), 303)  # an edition's form too


@bp.get("/history/<kind>")
@require("editor")
def history(kind):
    kind = _stored_kind(kind)
    store = state().store
    return render_template(
        "admin/history.html", kind=kind, versions=store.history(kind), edition=kind_edition(kind),
        current=store.published_versions().get(kind), formats=DOWNLOAD_FORMATS.get(kind, BOUNDARY_FORMATS),
    )


@bp.post("/history/<kind>/rollback")
@require("editor")
def rollback(kind):
    kind = _stored_kind(kind)
    version = _int(request.form.get("version"))
    if version is None:
        raise BadRequest()
    publish.rollback(state().store, kind, version, _actor(), request.form.get("comment", ""),
                     base_version=_int(request.form.get("base_version")))
    flash(translate("admin_rolled_back", current_lang(), kind=kind_title(kind, current_lang()), version=version), "ok")
    return redirect(url_for("admin.history", kind=kind), 303)


@bp.get("/users")
@require("admin")
def users():
    return render_template("admin/users.html", users=state().store.list_users(), roles=auth.ROLES,
                           min_password=auth.MIN_PASSWORD)


def _user_change(action, *args) -> None:
    """Run an account change; show its error on the users page instead of failing."""
    try:
        action(state().store, *args, actor=_actor())
    except GeoappError as exc:
        flash(exc.message(current_lang()), "error")
    else:
        flash(translate("admin_user_saved", current_lang()), "ok")


@bp.post("/users")
@require("admin")
def add_user():
    form = request.form
    _user_change(auth.create_user, form.get("name", ""), form.get("password", ""), form.get("role", ""))
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<name>/role")
@require("admin")
def set_role(name):
    _user_change(auth.change_role, name, request.form.get("role", ""))
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<name>/password")
@require("admin")
def set_password(name):
    _user_change(auth.reset_password, name, request.form.get("password", ""))
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<name>/delete")
@require("admin")
def delete_user(name):
    _user_change(auth.remove_user, name)
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<name>/signout")
@require("admin")
def sign_out_user(name):
    """End every session of one account."""
    count = sign_out_everywhere(state().store, name, actor=_actor())
    flash(translate("admin_signed_out", current_lang(), count=count), "ok")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/signout")
@require("admin")
def sign_out_all():
    """End every session of every account (the admin's own included)."""
    count = sign_out_everywhere(state().store, None, actor=_actor())
    flash(translate("admin_signed_out", current_lang(), count=count), "ok")
    return redirect(url_for("auth.login"), 303)


@bp.get("/audit")
@require("admin")
def audit():
    return render_template("admin/audit.html", entries=state().store.audit(AUDIT_LIMIT))
