"""The publishing workflow without the web: dry run, pending uploads, publish, conflicts, rollback, CLI."""

import json
import shutil
import os
import time
import warnings
import zipfile

import pyogrio
import pytest
import yaml
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from geoapp.cli import main
from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import ensure_store, load_dataset
from geoapp.errors import BadRequest, Conflict, Invalid, NotFound
from geoapp.export.downloads import boundaries_download
from geoapp.ingest import publish
from geoapp.ingest.crs import preset_crs

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def geojson(frame) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return frame.to_json(drop_id=True).encode("utf-8")


def published(gpkg_store):
    """The published dataset of the gpkg_store now (a web request reads it once, at its start)."""
    return load_dataset(gpkg_store, GEODATA_DIR)


def renamed(gpkg_store, name="Tên mới"):
    frame = gpkg_store.read_boundaries()
    frame.loc[0, "commune_name"] = name
    return frame


def test_dry_run_keeps_the_upload_as_plain_files(gpkg_store, pending_dir):
    raw = geojson(renamed(gpkg_store))
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "dir/new.geojson", raw, {"encoding": "auto"},
                                     root=pending_dir, author="ed")
    token = pending.token
    assert check.ok and len(token) == 32 and int(token, 16) >= 0
    folder = pending_dir / token
    assert sorted(p.name for p in folder.iterdir()) == ["check.json", "checked.gpkg", "meta.json", "upload.bin"]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["kind"] == "boundaries" and meta["filename"] == "new.geojson" and meta["base_version"] == 1
    assert meta["options"] == {"encoding": "auto"} and meta["author"] == "ed"
    assert (folder / "upload.bin").read_bytes() == raw
    assert gpkg_store.published_versions()["boundaries"] == 1  # nothing published yet


@pytest.mark.parametrize("token", ["../../etc", "ABCDEF0123456789ABCDEF0123456789", "0" * 31, "", "0" * 32])
def test_pending_tokens_are_checked(pending_dir, token):
    with pytest.raises(NotFound):
        publish.load_pending(pending_dir, token)


def test_filenames_and_options_are_cleaned():
    assert publish.clean_filename("../../etc/passwd") == "passwd"
    assert publish.clean_filename("C:\\data\\xa.zip") == "xa.zip"
    with pytest.raises(BadRequest):
        publish.clean_filename("")
    with pytest.raises(BadRequest):
        publish.clean_options("boundaries", {"mapping": {}, "rm": "-rf"})
    with pytest.raises(BadRequest):
        publish.clean_options("indicators", {"crs": "EPSG:4326"})
    assert publish.clean_options("boundaries", {"crs": "", "layer": None, "encoding": "vni"}) == {"encoding": "vni"}


def test_publish_pending_rechecks_and_records_the_version(gpkg_store, pending_dir):
    frame = renamed(gpkg_store)
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "new.geojson", geojson(frame), {}, root=pending_dir)
    with pytest.raises(Invalid):
        publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "  ", root=pending_dir)
    assert gpkg_store.published_versions()["boundaries"] == 1
    version = publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "renamed one commune", root=pending_dir)
    assert version == 2 and gpkg_store.published_versions()["boundaries"] == 2
    assert_geodataframe_equal(gpkg_store.read_boundaries(), check.frame.reset_index(drop=True), check_dtype=False)
    info = gpkg_store.history("boundaries")[0]
    assert (info.version, info.author, info.comment, info.published) == (2, "ed", "renamed one commune", True)
    entry = gpkg_store.audit()[0]
    assert (entry["actor"], entry["action"], entry["comment"]) == ("ed", "publish boundaries", "renamed one commune")
    assert not (pending_dir / pending.token).exists()
    with pytest.raises(NotFound):
        publish.load_pending(pending_dir, pending.token)
    with pytest.raises(Conflict):  # the same upload again: it was checked against version 1
        publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "again", root=pending_dir)


def test_a_file_with_errors_is_never_published(gpkg_store, pending_dir):
    frame = gpkg_store.read_boundaries()
    frame.loc[1, "commune_code"] = frame.loc[0, "commune_code"]
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "dup.geojson", geojson(frame), {}, root=pending_dir)
    assert not check.ok and check.frame is None
    with pytest.raises(Invalid):
        publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "try anyway", root=pending_dir)
    assert gpkg_store.published_versions()["boundaries"] == 1


def test_second_publish_on_the_same_base_conflicts_until_rechecked(gpkg_store, pending_dir):
    first, _ = publish.dry_run(published(gpkg_store), "boundaries", "a.geojson", geojson(renamed(gpkg_store, "A")), {}, root=pending_dir)
    second, _ = publish.dry_run(published(gpkg_store), "boundaries", "b.geojson", geojson(renamed(gpkg_store, "B")), {}, root=pending_dir)
    assert publish.publish_pending(gpkg_store, published(gpkg_store), first, "ann", "A", root=pending_dir) == 2
    with pytest.raises(Conflict) as exc:
        publish.publish_pending(gpkg_store, published(gpkg_store), second, "bob", "B", root=pending_dir)
    assert exc.value.status == 409 and "2" in exc.value.message("en")
    assert gpkg_store.read_boundaries().loc[0, "commune_name"] == "A"
    again, check = publish.recheck(published(gpkg_store), pending_dir, second)
    assert check.ok and check.report["diff"]["renamed"] == [
        {"code": gpkg_store.read_boundaries().loc[0, "commune_code"], "old": "A", "new": "B"}]
    assert not (pending_dir / second.token).exists()
    assert publish.publish_pending(gpkg_store, published(gpkg_store), again, "bob", "B after A", root=pending_dir) == 3
    assert gpkg_store.read_boundaries().loc[0, "commune_name"] == "B"


def test_recheck_with_new_options(gpkg_store, pending_dir):
    frame = gpkg_store.read_boundaries().rename(columns={"commune_code": "khoa"})
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "k.geojson", geojson(frame), {}, root=pending_dir)
    assert [i.key for i in check.errors] == ["upload_no_code_field"]
    pending, check = publish.recheck(published(gpkg_store), pending_dir, pending, {"code_field": "khoa"})
    assert check.ok
    assert publish.load_pending(pending_dir, pending.token).options == {"code_field": "khoa"}


def test_pending_uploads_expire(gpkg_store, pending_dir):
    token = publish.dry_run(published(gpkg_store), "boundaries", "a.geojson", geojson(renamed(gpkg_store)), {}, root=pending_dir)[0].token
    created = publish.load_pending(pending_dir, token).created
    with pytest.raises(NotFound):
        publish.load_pending(pending_dir, token, now=created + publish.PENDING_TTL + 1)
    assert not (pending_dir / token).exists()
    old = publish.dry_run(published(gpkg_store), "boundaries", "b.geojson", geojson(renamed(gpkg_store)), {}, root=pending_dir)[0].token
    stale = time.time() - publish.PENDING_TTL - 60
    os.utime(pending_dir / old, (stale, stale))
    fresh = publish.dry_run(published(gpkg_store), "boundaries", "c.geojson", geojson(renamed(gpkg_store)), {}, root=pending_dir)[0].token
    assert not (pending_dir / old).exists() and (pending_dir / fresh).exists()


def test_rollback(gpkg_store, pending_dir):
    pending, _ = publish.dry_run(published(gpkg_store), "boundaries", "a.geojson", geojson(renamed(gpkg_store)), {}, root=pending_dir)
    original = gpkg_store.read_boundaries(1)
    publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "rename", root=pending_dir)
    with pytest.raises(Invalid):
        publish.rollback(gpkg_store, "boundaries", 1, "ed", "")
    with pytest.raises(Invalid):
        publish.rollback(gpkg_store, "boundaries", 2, "ed", "already there")
    with pytest.raises(NotFound):
        publish.rollback(gpkg_store, "boundaries", 9, "ed", "no such version")
    with pytest.raises(Conflict):
        publish.rollback(gpkg_store, "boundaries", 1, "ed", "stale page", base_version=1)
    assert publish.rollback(gpkg_store, "boundaries", 1, "ed", "undo the rename") == 1
    assert_geodataframe_equal(gpkg_store.read_boundaries(), original)
    assert [v.version for v in gpkg_store.history("boundaries")] == [2, 1]
    entry = gpkg_store.audit()[0]
    assert (entry["action"], entry["detail"], entry["comment"]) == ("rollback boundaries", "version 1", "undo the rename")


def test_downloaded_shapefile_reuploads_unchanged(gpkg_store, pending_dir):
    raw = boundaries_download(published(gpkg_store), gpkg_store, "zip").body
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "boundaries-v1-shp.zip", raw, {}, root=pending_dir)
    assert check.ok, [i.key for i in check.errors]
    diff = check.report["diff"]
    assert not (diff["added"] or diff["removed"] or diff["renamed"] or diff["geometry_changed"])
    assert check.report["identical"]  # the round trip changes nothing, so nothing is published
    with pytest.raises(Invalid):
        publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "round trip", root=pending_dir)
    assert gpkg_store.published_versions()["boundaries"] == 1


def cli(args, data_dir, **kwargs):
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir)], **kwargs)


def test_cli_layers(gpkg_store, settings, tmp_path):
    data_dir = settings["DATA_DIR"]
    good = tmp_path / "new.geojson"
    good.write_bytes(geojson(renamed(gpkg_store)))
    dry = cli(["layers", "import", str(good), "--dry-run", "--json"], data_dir)
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.output)
    assert payload["check"]["ok"] and payload["published_version"] is None and payload["dry_run"]
    assert payload["check"]["report"]["diff"]["renamed"][0]["new"] == "Tên mới"
    assert gpkg_store.published_versions()["boundaries"] == 1

    bad = tmp_path / "bad.geojson"
    frame = gpkg_store.read_boundaries()
    frame.loc[1, "commune_code"] = frame.loc[0, "commune_code"]
    bad.write_bytes(geojson(frame))
    failed = cli(["layers", "import", str(bad), "--json", "--comment", "x"], data_dir)
    assert failed.exit_code == 1
    assert [e["key"] for e in json.loads(failed.output)["check"]["errors"]] == ["upload_code_duplicate"]
    text = cli(["layers", "import", str(bad), "--lang", "vi"], data_dir)
    assert text.exit_code == 1 and "mã xã bị trùng" in text.output and "FAILED" in text.output
    assert gpkg_store.published_versions()["boundaries"] == 1

    done = cli(["layers", "import", str(good), "--comment", "rename", "--author", "gis-team"], data_dir)
    assert done.exit_code == 0 and "published boundaries version 2" in done.output
    history = json.loads(cli(["layers", "history", "--json"], data_dir).output)
    assert [(v["version"], v["author"], v["comment"], v["published"]) for v in history] == [
        (2, "gis-team", "rename", True), (1, "system", "built-in Lạng Sơn data", False)]
    assert cli(["layers", "rollback", "1", "--comment", "undo"], data_dir).exit_code == 0
    assert gpkg_store.published_versions()["boundaries"] == 1
    assert gpkg_store.audit()[0]["comment"] == "undo"
    assert cli(["layers", "rollback", "7"], data_dir).exit_code == 2


def test_cli_layers_crs_option(gpkg_store, settings, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    cao_loc = gpkg_store.read_boundaries()
    cao_loc = cao_loc[cao_loc["district_code"] == "183"]
    pyogrio.write_dataframe(cao_loc.to_crs(preset_crs("vn2000-langson")), folder / "x.shp", encoding="UTF-8")
    (folder / "x.prj").unlink()
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    missing = cli(["layers", "import", str(path), "--dry-run", "--json"], settings["DATA_DIR"])
    assert missing.exit_code == 1 and json.loads(missing.output)["check"]["errors"][0]["key"] == "upload_crs_missing"
    chosen = cli(["layers", "import", str(path), "--dry-run", "--json", "--crs", "vn2000-langson"], settings["DATA_DIR"])
    assert chosen.exit_code == 0, chosen.output


def test_cli_indicators(gpkg_store, settings, tmp_path):
    data_dir = settings["DATA_DIR"]
    table = tmp_path / "t.csv"
    table.write_text("Mã xã,Năm,Số buổi\n06184,2021,41\n", encoding="utf-8")
    dry = cli(["indicators", "import", str(table), "--district", "183", "--column", "code=Mã xã",
               "--column", "year=Năm", "--wide", "Số buổi=defence_drills", "--dry-run", "--json"], data_dir)
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)["check"]["report"]
    assert report["match"]["counts"]["by_code"] == 1 and report["changes"]["changed"] == 1
    done = cli(["indicators", "import", str(table), "--district", "183", "--column", "code=Mã xã",
                "--column", "year=Năm", "--wide", "Số buổi=defence_drills", "--comment", "drills 2021"], data_dir)
    assert done.exit_code == 0, done.output
    values = gpkg_store.read_indicators()
    hit = values[(values["commune_code"] == "06184") & (values["indicator"] == "defence_drills") & (values["year"] == 2021)]
    assert hit["value"].tolist() == ["41"]
    assert len(values) == len(gpkg_store.read_indicators(1))  # one value replaced, nothing else lost
    listed = cli(["indicators", "history"], data_dir).output.splitlines()
    assert listed[0].startswith("* v2") and "drills 2021" in listed[0]
    assert cli(["indicators", "rollback", "1"], data_dir).exit_code == 0
    assert gpkg_store.published_versions()["indicators"] == 1
    bad = cli(["indicators", "import", str(table), "--wide", "broken"], data_dir)
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
    unknown = tmp_path / "u.csv"
    unknown.write_text("ma_xa,nam,no_such_indicator\n06184,2021,1\n", encoding="utf-8")
    failed = cli(["indicators", "import", str(unknown), "--json"], data_dir)
    assert failed.exit_code == 1 and gpkg_store.published_versions()["indicators"] == 1


def test_table_checks_use_the_catalog_of_the_geodata_setting(settings, tmp_path):
    """An indicator added to the catalog of GEOAPP_GEODATA_DIR can be uploaded (the check uses that catalog)."""
    geodata = tmp_path / "geodata"
    shutil.copytree(GEODATA_DIR, geodata)
    catalog = yaml.safe_load((geodata / "catalog.yaml").read_text(encoding="utf-8"))
    catalog["indicators"].append({
        "id": "wells_total", "program": "schools", "scope": "commune", "kind": "numeric",
        "vi": "Giếng nước", "en": "Wells", "unit": {"vi": "giếng", "en": "wells"}, "years": [2021],
        "sources": ["illustrative"],
    })
    (geodata / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    gpkg_store = ensure_store(load_settings({**settings, "GEODATA_DIR": str(geodata)}))
    table = "commune_code,indicator,year,value,status,source\n06184,wells_total,2021,3,illustrative,illustrative\n"
    base, check = publish.run_check(load_dataset(gpkg_store, geodata), "indicators", "w.csv", table.encode(), {})
    assert check.ok, [i.key for i in check.errors]
    assert base == 1 and "wells_total" in set(check.frame["indicator"])
    _, shipped = publish.run_check(published(gpkg_store), "indicators", "w.csv", table.encode(), {})
    assert not shipped.ok  # the shipped catalog has no such indicator
