"""geoapp layers import FILE --edition CODE --crosswalk CSV: a new boundary edition from the command line, both backends."""

import json

import pytest
from click.testing import CliRunner

from geoapp.cli import main
from tests.editions import new_edition as ne


@pytest.fixture
def cli_env(backend_settings, monkeypatch):
    """Run the CLI on the parametrised backend: its data directory, and its database when PostGIS."""
    if "DATABASE_URL" in backend_settings:
        monkeypatch.setenv("GEOAPP_DATABASE_URL", backend_settings["DATABASE_URL"])
    else:
        monkeypatch.delenv("GEOAPP_DATABASE_URL", raising=False)
    return backend_settings["DATA_DIR"]


def run(data_dir, *args):
    return CliRunner().invoke(main, [*args, "--data-dir", data_dir], catch_exceptions=False)


@pytest.fixture
def files(tmp_path):
    layer = tmp_path / "units_2027.geojson"
    layer.write_bytes(ne.layer_bytes())
    crosswalk = tmp_path / "crosswalk_2025_2027.csv"
    crosswalk.write_text(ne.crosswalk_text(), encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(ne.broken_crosswalks()["shares_not_one"], encoding="utf-8")
    return layer, crosswalk, broken


def edition_args(layer, crosswalk, *extra):
    return ["layers", "import", str(layer), "--edition", "2027", "--valid-from", "2027-01-01",
            "--crosswalk", str(crosswalk), *extra]


def test_import_check_publish_and_roll_back_an_edition(cli_env, files):
    layer, crosswalk, broken = files
    failed = run(cli_env, *edition_args(layer, broken, "--dry-run"))
    assert failed.exit_code == 1
    assert "The area shares of old unit 05977 sum to 0.6, not 1." in failed.output and "FAILED" in failed.output

    dry = run(cli_env, *edition_args(layer, crosswalk, "--dry-run", "--json"))
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.output)
    assert payload["published_version"] is None and payload["check"]["report"]["crosswalk"]["counts"]["error"] == 0
    assert payload["check"]["report"]["crosswalk"]["changes"]["merge"] == 2

    first = run(cli_env, *edition_args(layer, crosswalk))
    assert first.exit_code == 0, first.output
    assert "edition: 2027 from 2027-01-01 (previous: 2025)" in first.output
    assert "published boundaries:2027 version 1" in first.output
    second = run(cli_env, *edition_args(layer, crosswalk, "--title-en", "Units of the 2027 reorganisation"))
    assert "published boundaries:2027 version 2" in second.output

    history = run(cli_env, "layers", "history", "--edition", "2027")
    assert history.exit_code == 0 and "* v2" in history.output and "  v1" in history.output
    rolled = run(cli_env, "layers", "rollback", "1", "--edition", "2027")
    assert rolled.exit_code == 0, rolled.output
    assert "* v1" in run(cli_env, "layers", "history", "--edition", "2027").output
    untouched = run(cli_env, "layers", "history")
    assert "* v1" in untouched.output and "v2" not in untouched.output  # the 2021 layer still has one version
    assert "* v1" in run(cli_env, "layers", "history", "--edition", "2025").output
    listed = run(cli_env, "editions", "list").output.splitlines()
    assert any(line.startswith("2027\t2027-01-01 – …\tprovince > commune\t64 units") for line in listed), listed
    assert any(line.startswith("2025\t2025-07-01 – 2026-12-31\t") for line in listed), listed  # its period closed
