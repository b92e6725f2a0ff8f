"""Members on the site: the visitor's name, Telegram linking, joining from another device, the admin's list."""

from . import admin, api, pages

blueprints = (api.bp, pages.bp, admin.bp)
