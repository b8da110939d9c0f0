"""The GeoPackage store is a real GeoPackage that GIS tools (GDAL, QGIS) can open."""

import pyogrio

from geoapp.storage.gpkg import GeoPackageStore, from_gpkg_blob, to_gpkg_blob


def test_store_file_is_a_geopackage_with_every_version(app, settings):
    store = app.extensions["geoapp"].store
    assert isinstance(store, GeoPackageStore)
    frame = store.read_boundaries()
    frame.loc[frame["commune_code"] == "06202", "commune_name"] = "Xã Xuất Lễ (v2)"
    store.publish("boundaries", frame, author="t", comment="rename", base_version=1)
    layers = dict(pyogrio.list_layers(store.path))
    assert "boundaries" in layers and "indicator_values" in layers
    read = pyogrio.read_dataframe(store.path, layer="boundaries")
    assert read.crs.to_epsg() == 4326
    legacy = read[read["kind"] == "boundaries"]
    assert sorted(legacy["version"].unique()) == [1, 2]
    v2 = legacy[legacy["version"] == 2].set_index("commune_code")
    assert v2.loc["06202", "commune_name"] == "Xã Xuất Lễ (v2)"
    assert v2.geometry.is_valid.all() and len(v2) == 194
    info = pyogrio.read_info(store.path, layer="boundaries")
    assert info["features"] == 2 * 194 + 65  # two versions of the 2021 edition, one of the 2025 edition
    assert (read["kind"] == "boundaries:2025").sum() == 65


def test_geometry_blob_round_trip():
    from shapely.geometry import Polygon

    poly = Polygon([(106.7, 21.8), (106.8, 21.8), (106.8, 21.9)])
    blob = to_gpkg_blob(poly)
    assert blob[:2] == b"GP" and from_gpkg_blob(blob).equals(poly)
