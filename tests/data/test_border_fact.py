"""Being a border commune is a legal fact: the demo data never invents it."""

import pandas as pd

from geoapp.config import GEODATA_DIR
from geoapp.data.illustrative import generate


def test_only_the_article_communes_are_border_communes_and_they_are_facts():
    communes = pd.read_csv(GEODATA_DIR / "communes_2021.csv", dtype=str)
    facts = pd.read_csv(GEODATA_DIR / "article_facts.csv", dtype=str, keep_default_na=False)
    table = generate(communes, facts)
    border = table[table["indicator"] == "border_commune"]
    assert set(border["commune_code"]) == {"06244", "06202"}  # Tân Liên, Xuất Lễ
    assert set(border["status"]) == {"fact"} and set(border["value"]) == {"yes"}


def test_border_map_shows_unknown_for_the_rest(dataset):
    from geoapp.maps.view import build_map_view

    view = build_map_view(dataset, "border_commune", district="183", year=2021)
    shown = dict(zip(view.frame["commune_code"], view.frame["display"]))
    assert shown["06244"] == "Xã biên giới" and shown["06202"] == "Xã biên giới"
    assert shown["06220"] == "Không rõ"
    assert view.classification.nodata.label == "Không rõ" and view.classification.nodata.count == 20
