import pytest

from geoapp.ingest.fields import field_key, find_field


@pytest.mark.parametrize("column", ["ma_xa", "MaXa", "MA_XA", "Mã xã", "commune_code", "commune_co"])
def test_code_field_names(column):
    assert find_field(["x", column, "y"], "code") == column


@pytest.mark.parametrize("column", ["TenXa", "ten_xa", "Tên xã", "commune_name", "commune_na"])
def test_name_field_names(column):
    assert find_field([column, "ma_xa"], "name") == column


def test_explicit_choice_wins_and_must_exist():
    assert find_field(["ma_xa", "MY_CODE"], "code", "MY_CODE") == "MY_CODE"
    with pytest.raises(KeyError):
        find_field(["ma_xa"], "code", "nope")


def test_no_match():
    assert find_field(["a", "b"], "year") is None
    assert field_key("Mã_Xã ") == "maxa"
