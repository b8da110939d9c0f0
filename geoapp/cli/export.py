"""geoapp export: one map as a PNG, SVG or PDF page, or a standalone HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from geoapp.cli import data_dir_option, fail, main, store_and_settings
from geoapp.errors import GeoappError
from geoapp.i18n import LANGUAGES


@main.command("export")
@click.argument("indicator")
@click.option("--year", help="Year (default: the latest with data).")
@click.option("--district", help="District GSO code (e.g. 183) or 'all' (default: the DEFAULT_DISTRICT setting).")
@click.option("--units", help="Boundary edition: 2021 or 2025 (default: the edition the data were collected in, 2021).")
@click.option("--scheme", help="Classification: quantiles, equal_interval, natural_breaks or user.")
@click.option("--k", help="Number of classes.")
@click.option("--breaks", help="Class breaks for --scheme user, e.g. '1,2,5'.")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language of the map text (default: DEFAULT_LANG).")
@click.option("--dpi", help="Resolution of a PNG (default 300).")
@click.option("--orientation", help="A4 page: landscape (default) or portrait.")
@click.option("--bbox", help="Draw only this view: west,south,east,north in degrees (PNG, SVG, PDF).")
@click.option("--format", "fmt", required=True, help="png, svg, pdf or html.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--site-url", default="", help="Public address of the site, for commune profile links in HTML files (default: the PUBLIC_URL setting).")
@data_dir_option
def export(indicator, year, district, units, scheme, k, breaks, lang, dpi, orientation, bbox, fmt, output, site_url, data_dir):
    """Export a map for reports: the same classes, colours, legend and sources as the web map."""
    from geoapp.data.dataset import load_dataset
    from geoapp.export import export_map, parse_export_options
    from geoapp.export.standalone import public_profile_url
    from geoapp.request import parse_map_request

    try:
        store, settings = store_and_settings(data_dir)
        lang = lang or settings["DEFAULT_LANG"]
        data = load_dataset(store, settings["GEODATA_DIR"])
        options = parse_export_options(fmt, {"dpi": dpi, "orientation": orientation, "bbox": bbox}, settings)
        query = {"year": year, "district": district, "units": units, "scheme": scheme, "k": k, "breaks": breaks}
        request = parse_map_request(data, indicator, query, lang=lang, default_district=settings["DEFAULT_DISTRICT"])
        edition = "" if request.area.units == data.default_edition else request.area.units
        profile = public_profile_url(site_url or settings["PUBLIC_URL"], lang, edition)
        out = export_map(data, request, options, settings=settings, profile_url=profile)
    except GeoappError as exc:
        fail(exc, False, lang or "vi")
    Path(output).write_bytes(out.body)
    click.echo(f"wrote {output} ({out.content_type}, {len(out.body):,} bytes)")
