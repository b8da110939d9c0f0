"""For report writers: embeddable maps and downloadable exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("embed", __name__)
