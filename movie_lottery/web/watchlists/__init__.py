"""Personal watchlists on the site: «Хочу посмотреть» buttons (film page, library cards, entries,
search results) and the /api/me/watchlist API."""

from . import api, pages

blueprints = (api.bp, pages.bp)
