import pandas as pd
from pandas.testing import assert_frame_equal

from geoapp.config import GEODATA_DIR
from geoapp.data.illustrative import generate


def _inputs():
    communes = pd.read_csv(GEODATA_DIR / "communes_2021.csv", dtype=str)
    facts = pd.read_csv(GEODATA_DIR / "article_facts.csv", dtype=str, keep_default_na=False)
    return communes, facts


def test_shipped_table_is_reproducible():
    shipped = pd.read_csv(GEODATA_DIR / "indicators.csv", dtype=str, keep_default_na=False)
    regenerated = generate(*_inputs()).astype(str)
    assert_frame_equal(shipped, regenerated.reset_index(drop=True))


def test_article_facts_are_facts_and_everything_else_illustrative():
    table = generate(*_inputs())
    facts = table[table["status"] == "fact"]
    assert set(facts["source"]) == {"plvn2021"}
    levels = facts[facts["indicator"] == "ntm_level"].set_index("commune_code")["value"].to_dict()
    assert levels == {"06244": "dat_chuan", "06202": "dat_chuan", "06220": "nang_cao"}
    assert set(table.loc[table["status"] != "fact", "source"]) == {"illustrative"}
    assert set(table["status"]) == {"fact", "illustrative"}


def test_codes_are_text_with_leading_zeros():
    table = pd.read_csv(GEODATA_DIR / "indicators.csv", dtype=str)
    assert table["commune_code"].str.fullmatch(r"\d{5}").all()
    assert table["commune_code"].str.startswith("0").all()


def test_two_years_for_every_commune():
    table = generate(*_inputs())
    assert sorted(table["year"].unique()) == [2020, 2021]
    assert table["commune_code"].nunique() == 194
