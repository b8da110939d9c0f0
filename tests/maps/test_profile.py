import pytest

from geoapp.errors import NotFound
from geoapp.maps.profile import commune_profile


def test_profile_lists_every_commune_indicator_over_the_years(dataset):
    profile = commune_profile(dataset, "06220", "vi")
    assert profile.unit["commune_name"] == "Xã Hải Yến"
    assert profile.years == [2020, 2021]
    ids = [r["indicator"].id for r in profile.rows]
    assert ids == [i.id for i in dataset.catalog.indicators.values() if i.scope == "commune"]
    ntm = next(r for r in profile.rows if r["indicator"].id == "ntm_level")
    assert [(c["value"], c["status"]) for c in ntm["cells"]] == [("NTM nâng cao", "fact"), ("NTM nâng cao", "illustrative")]
    assert profile.illustrative


def test_profile_unknown_commune(dataset):
    with pytest.raises(NotFound):
        commune_profile(dataset, "99999", "vi")
