"""Dates, times and reporting periods as readers write them: Vietnamese dd/mm/yyyy, local time of Việt Nam."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from geoapp.i18n import pick_lang, translate

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
HALF_YEAR = re.compile(r"^(\d{4})-H([12])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
DATE_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def format_date(day: dt.date, lang: str) -> str:
    """Return a date as dd/mm/yyyy (both languages: the readers are in Việt Nam)."""
    return day.strftime("%d/%m/%Y")


def to_local(value: dt.datetime | str) -> dt.datetime | None:
    """Return a timestamp (datetime or ISO text; naive means UTC) in Việt Nam's time zone, or None."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(LOCAL_ZONE)


def format_datetime(value: dt.datetime | str | None, lang: str) -> str:
    """Return a timestamp as "dd/mm/yyyy HH:MM" in Asia/Ho_Chi_Minh; unreadable text is returned as is."""
    if value in (None, ""):
        return ""
    local = to_local(value)
    if local is None:
        return str(value)
    return local.strftime("%d/%m/%Y %H:%M") + ("" if pick_lang(lang) == "vi" else " (UTC+7)")


def format_period(text: object, lang: str) -> str:
    """Return a reporting period ("2021-H1", "2021-01-01..2021-07-10", "2021") in words and local dates."""
    raw = str(text or "").strip()
    if match := HALF_YEAR.match(raw):
        return translate(f"period_h{match.group(2)}", lang, year=match.group(1))
    if match := QUARTER.match(raw):
        return translate("period_quarter", lang, year=match.group(1), quarter=match.group(2))
    if match := DATE_RANGE.match(raw):
        start, end = (dt.date.fromisoformat(d) for d in match.groups())
        return f"{format_date(start, lang)} – {format_date(end, lang)}"
    return raw
