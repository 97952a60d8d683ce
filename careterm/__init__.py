"""careterm: a terminal app for a conference Code of Conduct response (CARE) team."""

__version__ = "0.1.0"
