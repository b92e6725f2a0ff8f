"""What the rating pages and API share: who is rating, and links to nights and members."""
from __future__ import annotations

from flask import current_app, url_for

from ...extensions import db
from ...services import members
from ..voter import current_device

RATE_LIMIT = "60/minute"


class NameRequired(Exception):
    """A device without a member rated without giving a name."""


def rating_member_id(name: object | None) -> int:
    """The member a score from this device belongs to, the device's row locked until commit
    (so a merge of it cannot interleave). A device without a member becomes one with ``name``
    in the same step; raises NameRequired without one, members.InvalidName for a bad one."""
    device = current_device()
    member_id = members.identity.lock_device(db.session, device)
    if member_id is not None:
        return member_id
    if name is None or (isinstance(name, str) and not name.strip()):
        raise NameRequired()
    return members.set_device_name(db.session, device, name).id


def night_url(public_id: str) -> str | None:
    """The night's page, once the nights' pages are registered."""
    if "nights.night" not in current_app.view_functions:
        return None
    return url_for("nights.night", public_id=public_id)
