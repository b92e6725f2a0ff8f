"""Polls on the site: the pages (/polls, /p/<id>), the JSON API (/api/polls), how a poll looks in
JSON (view), its input models (schemas) and the voter's identity — the device cookie and the
member it belongs to (voter; nights, ratings, members and push use it too)."""
