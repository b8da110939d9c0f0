"""geoapp layers import | history | rollback, and the same subcommands of geoapp indicators."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from geoapp.ingest import publish
from geoapp.cli import fail, store_and_settings, indicators, main
from geoapp.cli.users import cli_actor
from geoapp.data.dataset import load_dataset
from geoapp.errors import GeoappError
from geoapp.ingest.encodings import CHOICES as ENCODINGS
from geoapp.storage.base import edition_kind

_DATA_DIR = click.option("--data-dir", envvar="GEOAPP_DATA_DIR", help="Working data directory.")
_LANG = click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True,
                     help="Language of the messages.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _publishing_options(command):
    """Add the options shared by both import commands."""
    for option in reversed([
        click.option("--district", help="District GSO code (e.g. 183) that the file covers."),
        click.option("--dry-run", is_flag=True, help="Check only; publish nothing."),
        _JSON,
        click.option("--comment", help="Comment of the new version (default: the file name)."),
        click.option("--author", help="Author recorded with the version (default: cli:<login name>)."),
        _LANG,
        _DATA_DIR,
    ]):
        command = option(command)
    return command


def format_check(check, lang: str) -> str:
    """Return a check report as readable text."""
    report = check.report
    lines = [f"file: {report.get('filename', '')}"]
    for key in ("format", "layer", "encoding", "feature_count", "merged_count", "rows", "values", "layout"):
        if report.get(key) not in (None, ""):
            lines.append(f"{key.replace('_', ' ')}: {report[key]}")
    if report.get("crs"):
        lines.append(f"crs: {report['crs']['source']} ({report['crs']['from']}) -> {report['crs']['stored']}")
    if report.get("match"):
        counts = report["match"]["counts"]
        lines.append("match: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    for title, issues in (("errors", check.errors), ("warnings", check.warnings), ("notes", check.infos)):
        if issues:
            lines.append(f"{title} ({len(issues)}):")
            lines.extend(f"  - {issue.message(lang)}" for issue in issues)
    lines.append("result: " + ("ok" if check.ok else "FAILED: nothing can be published"))
    return "\n".join(lines)


def format_crosswalk(report: dict, lang: str) -> list[str]:
    """Return the edition and crosswalk parts of an edition upload's report as lines of text."""
    lines = []
    if report.get("edition"):
        e = report["edition"]
        lines.append(f"edition: {e['code']} from {e['valid_from']} (previous: {e['previous']}), {e[lang]}")
    crosswalk = report.get("crosswalk")
    if crosswalk and crosswalk.get("checked"):
        counts = crosswalk["counts"]
        lines.append(f"crosswalk: {crosswalk['file']} {crosswalk['rows']} rows; errors {counts['error']}, "
                     f"warnings {counts['warning']}, notes {counts['note']}")
        if crosswalk.get("changes"):
            lines.append("change types: " + ", ".join(f"{k} {n}" for k, n in crosswalk["changes"].items() if n))
    return lines


def run_import(kind: str, path: str, options: dict, *, dry_run: bool, as_json: bool, comment: str | None,
               author: str | None, lang: str, data_dir: str | None) -> None:
    """Check a file and, unless it has errors or this is a dry run, publish it; exit 1 on errors."""
    version = None
    try:
        store, settings = store_and_settings(data_dir)
        raw = Path(path).read_bytes()
        data = load_dataset(store, settings["GEODATA_DIR"], geometry=kind != "indicators")  # a table needs no shapes
        base, check = publish.run_check(data, kind, Path(path).name, raw, options, publish.limits_for(settings))
        if check.ok and not dry_run:
            version = publish.publish_checked(store, kind, base, check, author=author or cli_actor(),
                                              comment=comment or f"import of {Path(path).name}", options=options)
    except GeoappError as exc:
        fail(exc, as_json, lang)
    if as_json:
        payload = {"check": check.to_dict(lang), "dry_run": dry_run, "published_version": version}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join([*format_crosswalk(check.report, lang), format_check(check, lang)]))
        if version is not None:
            click.echo(f"published {publish.stored_kind(kind, options)} version {version}")
    sys.exit(0 if check.ok else 1)


def show_history(kind: str, as_json: bool, data_dir: str | None) -> None:
    """Print every version of a kind, newest first."""
    store, _ = store_and_settings(data_dir)
    versions = store.history(kind)
    if as_json:
        click.echo(json.dumps([v.__dict__ for v in versions], ensure_ascii=False, indent=2, default=str))
        return
    for v in versions:
        mark = "*" if v.published else " "
        click.echo(f"{mark} v{v.version}\t{v.created_at}\t{v.author}\t{v.rows} rows\t{v.comment}")


def run_rollback(kind: str, version: int, comment: str | None, author: str | None, lang: str, data_dir: str | None) -> None:
    """Publish an earlier version again."""
    try:
        store, _ = store_and_settings(data_dir)
        publish.rollback(store, kind, version, author or cli_actor(), comment or f"rollback to version {version}")
    except GeoappError as exc:
        fail(exc, False, lang)
    click.echo(f"{kind}: version {version} is published again")


@main.group()
def layers() -> None:
    """Boundary layers: import (check and publish), history, rollback."""


@layers.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", help="CRS when the file has none: EPSG:N or a preset such as vn2000-langson.")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True)
@click.option("--code-field", help="Field holding the commune code.")
@click.option("--name-field", help="Field holding the commune name.")
@click.option("--layer", help="Layer to read (GeoPackage or zip with several Shapefiles).")
@click.option("--confirm", metavar="REASON",
              help="Confirm large changes (areas, repairs, replaced districts) with a reason for the audit log.")
@click.option("--edition", metavar="CODE",
              help="Publish the file as a new boundary edition (province → commune, no districts), e.g. 2027.")
@click.option("--valid-from", metavar="DATE", help="With --edition: the day it takes effect (yyyy-mm-dd or dd/mm/yyyy).")
@click.option("--crosswalk", "crosswalk_path", type=click.Path(exists=True, dir_okay=False),
              help="With --edition: CSV from the previous edition (old_code, new_code, change, share).")
@click.option("--previous", metavar="CODE", help="With --edition: the edition it replaces (default: the one in force).")
@click.option("--title-vi", help="With --edition: its title in Vietnamese.")
@click.option("--title-en", help="With --edition: its title in English.")
@_publishing_options
def layers_import(path, crs, encoding, code_field, name_field, layer, confirm, edition, valid_from, crosswalk_path,
                  previous, title_vi, title_en, district, dry_run, as_json, comment, author, lang, data_dir):
    """Check a GeoJSON, zipped Shapefile or GeoPackage and publish it as the new boundary layer.

    With --edition the file is a whole boundary edition: it is checked against the province and
    its crosswalk (--crosswalk) against the previous edition's published polygons.
    """
    options = {"crs": crs, "encoding": encoding, "code_field": code_field, "name_field": name_field,
               "layer": layer, "district": district, "confirm": confirm}
    kind = "boundaries"
    if edition:
        if district:
            raise click.BadParameter("an edition has no districts", param_hint="--district")
        options.pop("district")
        options.update({"edition": edition, "valid_from": valid_from, "previous": previous, "title_vi": title_vi,
                        "title_en": title_en})
        if crosswalk_path:
            options.update({"crosswalk": Path(crosswalk_path).read_text(encoding="utf-8-sig"),
                            "crosswalk_name": Path(crosswalk_path).name})
        kind = publish.EDITION
    run_import(kind, path, options, dry_run=dry_run, as_json=as_json, comment=comment, author=author,
               lang=lang, data_dir=data_dir)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """Parse repeated KEY=VALUE options."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
        out[key.strip()] = value.strip()
    return out


@indicators.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--column", "columns", multiple=True, metavar="ROLE=COLUMN",
              help="Column of a role: code, name, district, year, indicator, value, status, source, note.")
@click.option("--wide", multiple=True, metavar="COLUMN=INDICATOR", help="A wide table's column and its indicator id.")
@_publishing_options
def indicators_import(path, columns, wide, district, dry_run, as_json, comment, author, lang, data_dir):
    """Check a CSV or XLSX table, show the match report, and publish it into the indicator table."""
    mapping = _pairs(columns, "--column")
    if wide:
        mapping["indicators"] = _pairs(wide, "--wide")
    run_import("indicators", path, {"mapping": mapping, "district": district}, dry_run=dry_run, as_json=as_json,
               comment=comment, author=author, lang=lang, data_dir=data_dir)


def edition_option(kind: str):
    """Return the --edition option of the boundary layers' history and rollback (none for other kinds)."""
    if kind != "boundaries":
        return lambda command: command
    return click.option("--edition", metavar="CODE", help="The boundary edition (default: the first one, 2021).")


def kind_of(kind: str, edition: str | None) -> str:
    """Return the stored kind of a command's data: an edition's boundaries when --edition is given."""
    if not edition:
        return kind
    try:
        return edition_kind(edition)
    except ValueError:
        raise click.BadParameter(f"invalid edition code {edition!r}", param_hint="--edition") from None


def add_version_commands(group: click.Group, kind: str, noun: str) -> None:
    """Register `history` and `rollback` for a kind of published data on a command group."""

    @group.command("history")
    @edition_option(kind)
    @_JSON
    @_DATA_DIR
    def history(as_json, data_dir, edition=None):
        show_history(kind_of(kind, edition), as_json, data_dir)

    history.help = f"List the {noun} versions (* = published)."

    @group.command("rollback")
    @click.argument("version", type=int)
    @click.option("--comment", help="Why (default: rollback to version N).")
    @click.option("--author", help="Author recorded in the audit log (default: cli:<login name>).")
    @edition_option(kind)
    @_LANG
    @_DATA_DIR
    def rollback(version, comment, author, lang, data_dir, edition=None):
        run_rollback(kind_of(kind, edition), version, comment, author, lang, data_dir)

    rollback.help = f"Publish an earlier {noun} version again."


add_version_commands(layers, "boundaries", "boundary layer")
add_version_commands(indicators, "indicators", "indicator table")
