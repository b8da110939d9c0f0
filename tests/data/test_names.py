import pytest

from geoapp.data.names import ascii_key, normalize_code, normalize_name


@pytest.mark.parametrize(
    "raw, key",
    [
        ("Hòa Cư", "hoà cư"),
        ("Hoà Cư", "hoà cư"),
        ("Xã Hòa Cư", "hoà cư"),
        ("X. Hoà Cư", "hoà cư"),
        ("TT. Đồng Đăng", "đồng đăng"),
        ("Thị trấn Đồng Đăng", "đồng đăng"),
        ("P.Tam Thanh", "tam thanh"),
        ("Phường  Tam   Thanh", "tam thanh"),
        ("XÃ XUẤT LỄ", "xuất lễ"),
        ("Xã Thụy Hùng", "thuỵ hùng"),
        ("Xuân Long", "xuân long"),  # a name starting with "Xu" keeps its first word
    ],
)
def test_normalize_name(raw, key):
    assert normalize_name(raw) == key


def test_normalize_name_nfd_input_equals_nfc():
    import unicodedata

    assert normalize_name(unicodedata.normalize("NFD", "Xã Hải Yến")) == normalize_name("Hải Yến")


def test_tone_placement_variants_are_equal():
    assert normalize_name("Thuỷ") == normalize_name("Thủy")
    assert normalize_name("Hòa") == normalize_name("Hoà")
    assert normalize_name("Thuỳ") != normalize_name("Thụy")  # different tones stay different


def test_ascii_key():
    assert ascii_key("Xã Hải Yến") == "hai yen"
    assert ascii_key("Thị trấn Đồng Đăng") == "dong dang"
    assert ascii_key(None) == ""


@pytest.mark.parametrize(
    "raw, code",
    [(6184, "06184"), ("6184", "06184"), (6184.0, "06184"), ("06184", "06184"), (" 06184 ", "06184"), ("6184.0", "06184")],
)
def test_normalize_code(raw, code):
    assert normalize_code(raw) == code


@pytest.mark.parametrize("raw", ["abc", "", None, 6184.5, "123456", float("nan"), "-6184"])
def test_normalize_code_rejects(raw):
    assert normalize_code(raw) is None


def test_district_code_width():
    assert normalize_code(183, width=3) == "183"
