import pytest

from geoapp.i18n import LANGUAGES, format_number, messages, translate


def test_every_message_has_every_language():
    for key, entry in messages().items():
        for lang in LANGUAGES:
            assert entry.get(lang), f"{key} has no {lang}"


def test_placeholders_match_between_languages():
    import string

    fmt = string.Formatter()
    for key, entry in messages().items():
        names = [{f for _, f, _, _ in fmt.parse(entry[lang]) if f} for lang in LANGUAGES]
        assert names[0] == names[1], key


def test_vietnamese_is_default():
    assert translate("no_data") == "Không có số liệu"
    assert translate("no_data", "en") == "No data"
    assert translate("no_data", "fr") == "Không có số liệu"


def test_missing_key_raises():
    with pytest.raises(KeyError):
        translate("no_such_key")


def test_number_format():
    assert format_number(1234567.5, "vi") == "1.234.567,5"
    assert format_number(1234567.5, "en") == "1,234,567.5"
    assert format_number(3, "vi") == "3"
