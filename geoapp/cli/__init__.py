"""Command line: geoapp run | indicators check | demo generate, and the groups in geoapp/cli/*.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from geoapp.config import load_settings
from geoapp.errors import GeoappError


data_dir_option = click.option("--data-dir", envvar="GEOAPP_DATA_DIR", help="Working data directory.")


def store_and_settings(data_dir: str | None = None):
    from geoapp.data.dataset import ensure_store

    settings = load_settings({"DATA_DIR": data_dir} if data_dir else None)
    return ensure_store(settings), settings


def print_rows(rows: list[dict], as_json: bool, columns) -> None:
    """Print rows as JSON, or one tab-separated line per row of the values `columns(row)` returns."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for row in rows:
        click.echo("\t".join(str(value) for value in columns(row)))


def fail(exc: GeoappError, as_json: bool, lang: str = "en") -> None:
    message = exc.message(lang)
    if as_json:
        click.echo(json.dumps({"error": {"status": exc.status, "message": message}}, ensure_ascii=False))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(package_name="geoapp")
def main() -> None:
    """geoapp: maps of district programmes (Huyện Cao Lộc, Lạng Sơn)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
def run(host: str, port: int, debug: bool) -> None:
    """Serve the app with Flask's development server (use gunicorn in production)."""
    from geoapp import create_app

    create_app().run(host=host, port=port, debug=debug)


@main.group()
def indicators() -> None:
    """Indicator tables."""


def format_report(report, lang: str = "en") -> str:
    """Return a match report as readable text."""
    c = report.counts()
    lines = []
    if report.edition:
        from geoapp.data.edition_join import reason_text

        lines.append(f"edition: {report.edition} ({reason_text(report.edition_reason, lang)})")
    lines += [
        f"rows: {c['rows']}",
        f"matched by code: {c['by_code']}",
        f"matched by name: {c['by_name']}",
        f"matched fuzzily (diacritic-free name): {c['fuzzy']}",
        f"unmatched: {c['unmatched']}",
        f"duplicate rows: {c['duplicates']}",
        f"units without data: {c['units_without_data']}",
    ]
    for entry in report.by_name:
        lines.append(f"  name  row {entry['row']}: {entry['name']!r} -> {entry['matched_code']} {entry['matched_name']}")
    for entry in report.fuzzy:
        lines.append(f"  fuzzy row {entry['row']}: {entry['name']!r} -> {entry['matched_code']} {entry['matched_name']}")
    for entry in report.unmatched:
        lines.append(f"  unmatched row {entry['row']}: code={entry['code']!r} name={entry['name']!r} ({entry['reason']})")
    for entry in report.duplicates:
        lines.append(f"  duplicate row {entry['row']}: {entry['code']}")
    for entry in report.units_without_data:
        lines.append(f"  no data: {entry['code']} {entry['name']}")
    return "\n".join(lines)


@indicators.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--district", help="District GSO code (e.g. 183) for name matching and scope.")
@click.option("--units", default="2021", show_default=True,
              help="Boundary edition the table is keyed by (2021, 2025), or 'auto' to choose by names and codes.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@data_dir_option
def indicators_check(file: str, district: str | None, units: str, as_json: bool, data_dir: str | None) -> None:
    """Match a CSV or XLSX table against the published units of an edition and print the report."""
    from geoapp.data.edition_join import resolve_in_edition
    from geoapp.data.names import normalize_code
    from geoapp.ingest.table_files import read_table

    try:
        store, _ = store_and_settings(data_dir)
        table = read_table(file)
        district = normalize_code(district, width=3) if district else None
        editions = {code: store.read_edition(code) for code, version in store.published_editions().items() if version}
        _, _, report = resolve_in_edition(table, editions, edition=None if units == "auto" else units, district=district)
    except GeoappError as exc:
        fail(exc, as_json)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))
    sys.exit(1 if report.unmatched or report.duplicates else 0)


@main.group()
def demo() -> None:
    """The built-in demo data."""


@demo.command("generate")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def demo_generate(output: str) -> None:
    """Regenerate the indicator table (article facts + illustrative values)."""
    import pandas as pd

    from geoapp.config import GEODATA_DIR
    from geoapp.data.illustrative import generate

    communes = pd.read_csv(GEODATA_DIR / "communes_2021.csv", dtype=str)
    facts = pd.read_csv(GEODATA_DIR / "article_facts.csv", dtype=str, keep_default_na=False)
    generate(communes, facts).to_csv(Path(output), index=False)
    click.echo(f"wrote {output}")


# Command groups kept in their own modules register themselves on `main` when imported.
_COMMAND_MODULES: list[str] = ["db", "users", "export", "data", "editions", "tokens"]


def _register() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        importlib.import_module(f"geoapp.cli.{name}")


_register()

if __name__ == "__main__":
    main()
