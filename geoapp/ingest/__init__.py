"""Reading and checking uploaded boundary layers and indicator tables: the dry run before publishing.

`check_boundaries` and `check_indicators` never raise for bad input: every problem
becomes an Issue (error, warning or info) with a message in Vietnamese and English.
`Check.frame` is the full layer or table to publish, or None when there are errors.
"""

from geoapp.ingest.crs import CRS_PRESETS
from geoapp.ingest.layer_check import check_boundaries
from geoapp.ingest.report import Check, Issue, Limits
from geoapp.ingest.layer_files import list_layers
from geoapp.ingest.table_check import check_indicators

__all__ = ["CRS_PRESETS", "Check", "Issue", "Limits", "check_boundaries", "check_indicators", "list_layers"]
