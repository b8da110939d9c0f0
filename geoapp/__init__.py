"""geoapp: web maps of district programs for Vietnamese local government."""

__version__ = "0.1.0"


def create_app(config=None):
    """Build the Flask application (see geoapp.web.app.create_app)."""
    from geoapp.web.app import create_app as _create_app

    return _create_app(config)
