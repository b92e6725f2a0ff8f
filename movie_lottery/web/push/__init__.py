"""Web Push for visitors: the JSON API (api.py) and the «Уведомления» settings page (pages.py)."""
