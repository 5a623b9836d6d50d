"""The web pages for people: one module per business area, plus the maps and the check runs."""

from gis_app.web import eldercare, land, outfalls, standard_land

AREAS = (land, standard_land, outfalls, eldercare)
"""Business areas, each a module with its blueprint ``bp`` (and its command group in :mod:`gis_app.cli`)."""
