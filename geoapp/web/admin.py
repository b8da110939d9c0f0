"""For GIS staff and admins: upload, validate, publish, roll back; users and audit."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
