"""The published dataset: loading the built-in data, and a per-version in-process cache."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoapp.config import GEODATA_DIR
from geoapp.catalog import Catalog, catalog_path, load_catalog
from geoapp.errors import Conflict, NotFound
from geoapp.data.values import with_derived
from geoapp.storage import Store, open_store
from geoapp.storage.base import LEGACY_EDITION, edition_kind, is_boundary_kind, kind_edition, version_token

SYSTEM_USER = "system"


def read_default_boundaries(geodata_dir: str | Path) -> gpd.GeoDataFrame:
    """Read the shipped commune polygons of Lạng Sơn (codes as text)."""
    path = Path(geodata_dir) / "communes_2021_approx.geojson"
    frame = gpd.read_file(path, engine="pyogrio")
    for col in frame.columns.drop("geometry"):
        frame[col] = frame[col].astype("string")
    return frame


def read_default_indicators(geodata_dir: str | Path) -> pd.DataFrame:
    """Read the shipped long indicator table (facts and illustrative values)."""
    frame = pd.read_csv(Path(geodata_dir) / "indicators.csv", dtype=str, keep_default_na=False)
    frame["year"] = frame["year"].astype(int)
    return frame


def read_article_facts(geodata_dir: str | Path) -> pd.DataFrame:
    """Read the facts stated in the source article (district and commune rows)."""
    return pd.read_csv(Path(geodata_dir) / "article_facts.csv", dtype=str, keep_default_na=False)


def ensure_store(settings: dict) -> Store:
    """Open the store, creating it and loading the built-in data on first start."""
    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    store.init()
    load_default(store, settings["GEODATA_DIR"])
    return store


def read_edition_boundaries(geodata_dir: str | Path, edition: str) -> gpd.GeoDataFrame:
    """Read the shipped polygons of a boundary edition listed in geodata/editions.yaml."""
    from geoapp.editions.model import load_registry

    registry = load_registry(geodata_dir)
    frame = gpd.read_file(registry.path(registry.get(edition).boundaries_file), engine="pyogrio")
    for col in frame.columns.drop("geometry"):
        frame[col] = frame[col].astype("string")
    return frame


def built_in_readers(geodata_dir: str | Path) -> dict:
    """Return {kind: reader of the shipped data} for every built-in kind, editions included."""
    from geoapp.editions.model import load_registry

    readers = {"boundaries": read_default_boundaries, "indicators": read_default_indicators}
    for code in load_registry(geodata_dir).editions:
        if code != LEGACY_EDITION:
            readers[edition_kind(code)] = lambda path, code=code: read_edition_boundaries(path, code)
    return readers


def load_default(store: Store, geodata_dir: str | Path) -> list[str]:
    """Publish the built-in data (boundary editions included) for every kind that has no published version yet."""
    loaded = []
    published = store.published_versions()
    readers = built_in_readers(geodata_dir)
    for kind, reader in readers.items():
        if published.get(kind) is not None:
            continue
        try:
            store.publish(
                kind, reader(geodata_dir), author=SYSTEM_USER,
                comment="built-in Lạng Sơn data", base_version=None,
            )
            loaded.append(kind)
        except Conflict:
            pass  # another process loaded it first
    return loaded


@dataclass
class Dataset:
    """One published state: boundaries, indicator values (with derived ones) and districts.

    Everything that reads published data reads it here: maps, exports, downloads and the
    checks of an upload against what is published.
    """

    version: str
    communes: gpd.GeoDataFrame
    values: pd.DataFrame
    catalog: Catalog
    article_facts: pd.DataFrame
    versions: dict[str, int | None] = field(default_factory=dict)  # published version of each kind
    stored_values: pd.DataFrame | None = field(default=None, repr=False)  # indicator rows as stored
    editions: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)  # other editions' published units
    geodata_dir: Path | None = None
    edition_records: tuple = ()  # records of the published versions of editions added by upload
    band_reader: Callable | None = field(default=None, repr=False)  # Store.read_band of the store read from
    _registry: object = field(default=None, repr=False)
    _districts: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _crosswalks: dict = field(default_factory=dict, repr=False)

    @property
    def districts(self) -> pd.DataFrame:
        """Return district codes and names, from the published communes."""
        if self._districts is None:
            self._districts = (
                self.communes[["district_code", "district_name"]]
                .drop_duplicates("district_code")
                .sort_values("district_code")
                .reset_index(drop=True)
            )
        return self._districts

    def edition_units(self, edition: str) -> gpd.GeoDataFrame:
        """Return the published units of a boundary edition (the communes for the legacy edition)."""
        if edition == LEGACY_EDITION:
            return self.communes
        if edition not in self.editions:
            raise NotFound("error_unknown_edition", edition=edition)
        return self.editions[edition]

    def facts_about(self, scope: str, code: str) -> pd.DataFrame:
        """Return the article's facts about one district or commune."""
        facts = self.article_facts
        return facts[(facts["scope"] == scope) & (facts["unit_code"] == code)]

    def district_name(self, code: str) -> str:
        """Return a district's name or raise NotFound."""
        match = self.districts[self.districts["district_code"] == code]
        if match.empty:
            raise NotFound("error_unknown_district", district=code)
        return str(match["district_name"].iloc[0])

    def communes_of(self, district: str | None) -> gpd.GeoDataFrame:
        """Return the communes of a district (all communes when district is None)."""
        if district is None:
            return self.communes
        self.district_name(district)
        return self.communes[self.communes["district_code"] == district]

    def commune(self, code: str) -> pd.Series:
        """Return one commune's row or raise NotFound."""
        match = self.communes[self.communes["commune_code"] == code]
        if match.empty:
            raise NotFound("error_unknown_commune", commune=code)
        return match.iloc[0]

    @property
    def registry(self):
        """Return the boundary edition registry: geodata/editions.yaml with the editions added by upload."""
        from geoapp.editions.model import load_registry

        seed = load_registry(self.geodata_dir or GEODATA_DIR)
        if self._registry is None or self._registry[0] is not seed:
            self._registry = (seed, seed.with_records(self.edition_records))
        return self._registry[1]

    @property
    def default_edition(self) -> str:
        """Return the edition in which the indicator data were collected (the registry's default)."""
        return self.registry.default

    def units(self, edition: str | None = None) -> gpd.GeoDataFrame:
        """Return the published units of an edition (the default edition's are `communes`); NotFound if unknown."""
        edition = self.default_edition if edition in (None, "") else str(edition)
        if edition == self.default_edition:
            return self.communes
        self.registry.get(edition)
        if edition not in self.editions:
            raise NotFound("error_unknown_edition", edition=edition)
        return self.editions[edition]

    def stored_band(self, edition: str | None, band: str):
        """Return the geometry of an edition's published units in a detail band as stored when they
        were published (in the order of `units(edition)`), or None: not stored, to be built."""
        if self.band_reader is None:
            return None
        edition = LEGACY_EDITION if edition in (None, "", self.default_edition) else str(edition)
        version = self.versions.get(edition_kind(edition))
        return None if version is None else self.band_reader(band, version, edition=edition)

    def band_source(self, edition: str | None):
        """Return stored_band for one edition: band -> stored geometry or None (for geoapp.maps.simplify)."""
        return lambda band: self.stored_band(edition, band)

    def crosswalk_to(self, edition: str):
        """Return the weighted crosswalk from the default edition to `edition` (read once per dataset)."""
        from geoapp.editions.lookup import load_crosswalk

        if edition not in self._crosswalks:
            self._crosswalks[edition] = load_crosswalk(self.registry, self.default_edition, edition)
        return self._crosswalks[edition]

    def years(self, indicator_id: str) -> list[int]:
        """Return the years that have values for an indicator."""
        years = self.values.loc[self.values["indicator"] == indicator_id, "year"]
        return sorted(int(y) for y in years.unique())


def load_dataset(store: Store, geodata_dir: str | Path, versions: dict | None = None, *, geometry: bool = True) -> Dataset:
    """Read one published state from the store (the published versions, or `versions`).

    With geometry=False the communes carry their attributes only (no shapes): enough to check
    an indicator table against them, not to draw a map.
    """
    versions = dict(store.published_versions() if versions is None else versions)
    catalog = load_catalog(catalog_path(geodata_dir))
    if geometry:
        communes = store.read_boundaries(versions["boundaries"])
    else:
        attributes = store.read_boundary_attributes(versions["boundaries"])
        communes = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries([None] * len(attributes), index=attributes.index), crs=4326)
    stored = store.read_indicators(versions["indicators"])
    values = with_derived(stored, catalog) if len(stored) else stored
    facts = read_article_facts(geodata_dir)
    editions = {
        kind_edition(kind): store.read_boundaries(version, edition=kind_edition(kind))
        for kind, version in versions.items()
        if is_boundary_kind(kind) and kind_edition(kind) != LEGACY_EDITION and version is not None
    }
    records = tuple(record for kind, version in versions.items()
                    if is_boundary_kind(kind) and kind_edition(kind) in editions
                    and (record := store.edition_record(kind, version)) is not None)
    return Dataset(version_token(versions), communes, values, catalog, facts, versions, stored, editions,
                   Path(geodata_dir), records, band_reader=store.read_band)


class DatasetCache:
    """Keep the dataset of the current data version; reload when the version changes."""

    def __init__(self, store: Store, geodata_dir: str | Path) -> None:
        self.store = store
        self.geodata_dir = Path(geodata_dir)
        self._lock = threading.Lock()
        self._current: Dataset | None = None

    def get(self) -> Dataset:
        """Return the dataset of the published version (checked on every call)."""
        versions = self.store.published_versions()
        token = version_token(versions)
        current = self._current
        if current is not None and current.version == token:
            return current
        with self._lock:
            if self._current is None or self._current.version != token:
                self._current = load_dataset(self.store, self.geodata_dir, versions)
            return self._current
