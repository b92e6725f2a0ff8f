"""Ratings on the site: the film page (/films/<id>), the member page (/m/<id>), scoring a film
from a form or the API, and the group's taste as JSON."""

from . import api, film_admin, films, member_pages

blueprints = (films.bp, film_admin.bp, member_pages.bp, api.bp)
