"""Movie nights on the site: pages, the JSON API and the calendar feeds."""

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext

from ...services import nights
from . import api, calendar, pages

blueprints = (pages.bp, api.bp, calendar.bp)


def reminder_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return ngettext("за %(num)d день", "за %(num)d дней", minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("за %(num)d час", "за %(num)d часов", minutes // 60)
    return _("за %(num)d мин", num=minutes)


def register_template_helpers(app: Flask) -> None:
    app.add_template_global(nights.status_of, "night_status")
    app.add_template_global(reminder_label, "reminder_label")
