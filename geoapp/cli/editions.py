"""geoapp editions list | build, geoapp crosswalk check, geoapp indicators convert."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd

from geoapp.cli import data_dir_option, indicators, main, store_and_settings

_LANG = click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True,
                     help="Language of the messages.")
_GEODATA = click.option("--geodata-dir", type=click.Path(file_okay=False), help="Folder of the shipped data.")


def _registry(geodata_dir: str | None):
    from geoapp.config import GEODATA_DIR
    from geoapp.editions.model import load_registry

    return load_registry(geodata_dir or GEODATA_DIR)


@main.group()
def editions() -> None:
    """Boundary editions (2021 communes, 2025 units) and the crosswalk between them."""


@editions.command("list")
@_GEODATA
@data_dir_option
@_LANG
def editions_list(geodata_dir: str | None, data_dir: str | None, lang: str) -> None:
    """List the editions (shipped and added by upload) with their period, levels and number of published units."""
    from geoapp.data.dataset import load_dataset

    store, settings = store_and_settings(data_dir)
    dataset = load_dataset(store, geodata_dir or settings["GEODATA_DIR"])
    registry = dataset.registry
    for edition in registry.editions.values():
        period = f"{edition.valid_from or '…'} – {edition.valid_to or '…'}"
        default = " (default)" if edition.code == registry.default else ""
        units = len(dataset.units(edition.code)) if edition.code in dataset.editions or edition.code == registry.default else 0
        click.echo(f"{edition.code}{default}\t{period}\t{' > '.join(edition.levels)}\t{units} units\t{edition.title(lang)}")


def format_findings(report, lang: str) -> str:
    """Return a crosswalk check report as readable text."""
    counts = report.counts()
    lines = [f"rows: {report.rows}", f"errors: {counts['error']}, warnings: {counts['warning']}, notes: {counts['note']}"]
    for finding in report.findings:
        where = f"line {finding.line}" if finding.line is not None else "unit"
        lines.append(f"  {finding.severity:<7} {where:<9} {finding.message(lang)}")
    lines.append("result: " + ("ok" if report.ok else "FAILED: rows with errors must not be used"))
    return "\n".join(lines)


@editions.command("build")
@click.option("--from", "from_edition", default="2021", show_default=True)
@click.option("--to", "to_edition", default="2025", show_default=True)
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), help="Write here instead of the geodata folder.")
@_GEODATA
@_LANG
def editions_build(from_edition: str, to_edition: str, out_dir: str | None, geodata_dir: str | None, lang: str) -> None:
    """Check the crosswalk and build the new edition's polygons and weighted crosswalk.

    Rows with errors are left out with a warning (and kept, marked excluded, in the weighted
    crosswalk); the build stops when leaving rows out cannot fix the errors.
    """
    from geoapp.editions.build import BuildStopped, build_edition, write_build

    registry = _registry(geodata_dir)
    try:
        result = build_edition(registry, from_edition, to_edition)
    except BuildStopped as exc:
        click.echo(format_findings(exc.report, lang), err=True)
        click.echo("build stopped: " + "; ".join(f.message(lang) for f in exc.findings), err=True)
        sys.exit(1)
    for line, findings in sorted(result.excluded.items()):
        for finding in findings:
            click.echo(f"warning: left out line {line}: {finding.message(lang)}", err=True)
    for path in write_build(result, registry, from_edition, to_edition, out_dir):
        click.echo(f"wrote {path}")
    used = [r for r in result.rows if r.used]
    click.echo(f"{len(result.boundaries)} units of {to_edition} from {len({r.old_code for r in used})} units of "
               f"{from_edition}; {len(result.rows) - len(used)} crosswalk row(s) left out")


@main.group()
def crosswalk() -> None:
    """The crosswalk between boundary editions."""


@crosswalk.command("check")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "from_edition", default="2021", show_default=True)
@click.option("--to", "to_edition", default="2025", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_GEODATA
@_LANG
def crosswalk_check(file: str | None, from_edition: str, to_edition: str, as_json: bool,
                    geodata_dir: str | None, lang: str) -> None:
    """Check a crosswalk (default: the shipped one, as published); exit 1 when a row fails."""
    from geoapp.editions.build import read_edition_boundaries, read_new_units
    from geoapp.editions.check import check_crosswalk
    from geoapp.editions.crosswalk import read_source_crosswalk

    registry = _registry(geodata_dir)
    path = Path(file) if file else registry.path(registry.crosswalk(from_edition, to_edition).source)
    pairs = read_source_crosswalk(path)
    if "share" in pairs:
        pairs = pd.read_csv(path, dtype=str, keep_default_na=False).assign(
            old_code=pairs["old_code"], new_code=pairs["new_code"])
    report = check_crosswalk(pairs, read_edition_boundaries(registry, from_edition),
                             read_new_units(registry.path(registry.get(to_edition).units_file)))
    if as_json:
        click.echo(json.dumps({"file": str(path), **report.to_dict(lang)}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"file: {path}")
        click.echo(format_findings(report, lang))
    sys.exit(0 if report.ok else 1)


def conversion_report(result) -> pd.DataFrame:
    """Return every unit-indicator-year that was estimated or could not be converted."""
    estimated = result.estimated()
    rows = [{"commune_code": r["commune_code"], "indicator": r["indicator"], "year": r["year"],
             "outcome": "estimated", "from": r["from"], "detail": r["note"]} for _, r in estimated.iterrows()]
    rows += [{"commune_code": r["commune_code"], "indicator": r["indicator"], "year": r["year"],
              "outcome": "not_converted", "from": r["parts"], "detail": r["message"]}
             for _, r in result.not_carried.iterrows()]
    return pd.DataFrame(rows, columns=["commune_code", "indicator", "year", "outcome", "from", "detail"])


@indicators.command("convert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "to_edition", required=True, help="Edition to convert to, e.g. 2025.")
@click.option("--from", "from_edition", default="2021", show_default=True, help="Edition the table is keyed by.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="CSV of the converted table (default: stdout).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="CSV of the estimated and unconverted units (default: next to the output).")
@click.option("--catalog", "catalog_path", type=click.Path(exists=True, dir_okay=False))
@_GEODATA
@_LANG
def indicators_convert(file, to_edition, from_edition, output, report_path, catalog_path, geodata_dir, lang) -> None:
    """Carry a long indicator table keyed by one edition's codes onto another edition's units."""
    from geoapp.catalog import load_catalog
    from geoapp.config import GEODATA_DIR
    from geoapp.editions.carry import carry_values
    from geoapp.editions.lookup import load_crosswalk
    from geoapp.ingest.table_files import read_table
    from geoapp.data.join import resolve

    registry = _registry(geodata_dir)
    catalog = load_catalog(catalog_path or Path(geodata_dir or GEODATA_DIR) / "catalog.yaml")
    table = read_table(file)
    units = pd.read_csv(registry.path(registry.get(from_edition).units_file), dtype=str)
    matched, match = resolve(table, units)
    for entry in match.unmatched:
        click.echo(f"warning: row {entry['row']} matches no unit of {from_edition}: "
                   f"code={entry['code']!r} name={entry['name']!r} ({entry['reason']})", err=True)
    for col in ("status", "source", "note"):
        if col not in matched:
            matched[col] = ""
    matched["year"] = matched["year"].astype(int)
    result = carry_values(matched, load_crosswalk(registry, from_edition, to_edition), catalog, lang=lang)
    report = conversion_report(result)
    if output:
        result.rows.to_csv(output, index=False, lineterminator="\n")
        report_path = report_path or str(Path(output).with_suffix("")) + ".report.csv"
    else:
        click.echo(result.rows.to_csv(index=False, lineterminator="\n"), nl=False)
    if report_path:
        report.to_csv(report_path, index=False, lineterminator="\n")
    counts = report["outcome"].value_counts()
    click.echo(f"converted {len(result.rows)} values to {to_edition}; estimated: {counts.get('estimated', 0)}, "
               f"not converted: {counts.get('not_converted', 0)}" + (f"; report: {report_path}" if report_path else ""),
               err=True)
    for _, r in report.iterrows():
        click.echo(f"  {r['outcome']:<13} {to_edition}:{r['commune_code'] or '-'} {r['indicator']} {r['year'] or ''}: "
                   f"{r['detail']}", err=True)
    sys.exit(1 if match.unmatched else 0)


@crosswalk.command("export")
@click.option("--from", "from_edition", default="2021", show_default=True)
@click.option("--to", "to_edition", default="2025", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="A .csv or .xlsx file.")
@_GEODATA
def crosswalk_export(from_edition: str, to_edition: str, output: str, geodata_dir: str | None) -> None:
    """Write the weighted crosswalk (change type, area share, used or excluded) as CSV or XLSX."""
    from geoapp.editions.lookup import load_crosswalk

    frame = load_crosswalk(_registry(geodata_dir), from_edition, to_edition).to_frame()
    if output.lower().endswith(".xlsx"):
        frame.to_excel(output, index=False, sheet_name=f"crosswalk {from_edition}-{to_edition}")
    else:
        frame.to_csv(output, index=False, lineterminator="\n")
    click.echo(f"wrote {output} ({len(frame)} rows)")
