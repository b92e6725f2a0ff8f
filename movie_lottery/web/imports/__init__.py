"""A member's history from Letterboxd and IMDb: the upload, the import page and its JSON API."""

from . import api, pages

blueprints = (pages.bp, api.bp)
