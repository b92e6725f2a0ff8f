"""Lotteries on the site: the builder and lottery pages (pages), the JSON API (api), link
previews and the QR code (sharing), the input models (schemas)."""
