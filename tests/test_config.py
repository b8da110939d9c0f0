import re
from pathlib import Path

import pytest

from geoapp.config import DEFAULTS, PACKAGE_DIR, load_settings


def test_defaults_then_environment_then_config(tmp_path):
    env = {"GEOAPP_TILES": "https://tiles.example/{z}/{x}/{y}.png", "GEOAPP_MAX_UPLOAD_MB": "7",
           "GEOAPP_REQUIRE_LOGIN": "true", "GEOAPP_DATA_DIR": str(tmp_path / "env")}
    s = load_settings(None, env)
    assert s["TILES"].startswith("https://tiles.example")
    assert s["MAX_UPLOAD_MB"] == 7 and s["REQUIRE_LOGIN"] is True
    assert s["DATA_DIR"] == str(tmp_path / "env")
    s = load_settings({"DATA_DIR": str(tmp_path / "cfg"), "GEOAPP_TILES": "none"}, env)
    assert s["DATA_DIR"] == str(tmp_path / "cfg") and s["TILES"] == "none"
    assert load_settings(None, {})["TILES"] == DEFAULTS["TILES"] == "none"


def test_bad_environment_value_is_named():
    with pytest.raises(ValueError, match="GEOAPP_MAX_UPLOAD_MB"):
        load_settings(None, {"GEOAPP_MAX_UPLOAD_MB": "lots"})


def test_first_start_fills_data_dir_and_never_writes_the_package(tmp_path):
    import geoapp
    from geoapp import create_app

    package = Path(geoapp.__file__).parent
    before = sorted(p.name for p in package.rglob("*") if "__pycache__" not in p.parts)
    app = create_app({"DATA_DIR": str(tmp_path / "d")})
    assert (tmp_path / "d" / "geoapp.gpkg").exists()
    after = sorted(p.name for p in package.rglob("*") if "__pycache__" not in p.parts)
    assert before == after
    assert app.test_client().get("/healthz").status_code == 200


def test_every_setting_is_documented_in_the_readme():
    readme = (PACKAGE_DIR.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `GEOAPP_([A-Z_]+)` \|", readme, flags=re.M))
    assert set(DEFAULTS) - documented == set()
