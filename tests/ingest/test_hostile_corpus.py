"""Every hostile upload of tests/hostile, on the web (both backends) and the command line: how each ends."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main
from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import read_default_boundaries
from geoapp.storage import open_store
from tests.accounts import as_user, published_bytes
from tests.hostile import HERE, cases
from tests.ingest.helpers import issue_keys, try_publish, upload

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

CASES = cases()
IDS = [c.name for c in CASES]


@pytest.fixture(scope="module")
def shipped():
    return read_default_boundaries(GEODATA_DIR)


def test_the_readme_table_lists_every_file_of_the_corpus():
    table = (HERE / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE))
    present = {p.name for p in HERE.iterdir() if p.is_file() and p.name != "README.md"}
    assert listed == present
    assert {c.name if "." in c.name else f"{c.name}.py" for c in CASES} == present - {"__init__.py"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostile_upload_on_the_web(backend_app, case, shipped):
    editor = as_user(backend_app, "ed", "editor")
    before = published_bytes(backend_app, editor)
    response = upload(editor, case.kind, case.filename, case.build(shipped), **case.options)
    keys = issue_keys(response)
    assert "Traceback" not in response.get_data(as_text=True)
    if case.expected:
        assert response.status_code == 422, keys
        assert set(case.expected) <= set(keys), keys
        refused = try_publish(editor, response)
        assert refused.status_code == 422
    else:
        assert response.status_code == 200, keys
    assert published_bytes(backend_app, editor) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostile_upload_on_the_command_line(backend_settings, case, shipped, tmp_path):
    path = tmp_path / case.filename
    path.write_bytes(case.build(shipped))
    env = {"GEOAPP_DATABASE_URL": backend_settings.get("DATABASE_URL", ""), "GEOAPP_DATA_DIR": backend_settings["DATA_DIR"]}
    store = open_store(load_settings(backend_settings))
    create_app(backend_settings)  # loads the built-in data
    before = store.published_versions()
    command = ["layers" if case.kind == "boundaries" else "indicators", "import", str(path), "--json"]
    for key, value in case.options.items():
        command += [f"--{key.replace('_', '-')}", value]
    result = CliRunner().invoke(main, command, env=env)
    payload = json.loads(result.output)
    keys = [e["key"] for e in payload["check"]["errors"]]
    if case.expected:
        assert result.exit_code == 1 and set(case.expected) <= set(keys), keys
        assert payload["published_version"] is None
        assert store.published_versions() == before
    else:
        assert result.exit_code == 0 and keys == []
        assert payload["published_version"] == (before[case.kind] or 0) + 1
