"""A member's page (/m/<id>): their scores, the nights they came to, what they suggested, their taste twin."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from ...extensions import db
from ...services.ratings import pages
from ..polls.voter import current_member

bp = Blueprint("member_pages", __name__)


@bp.app_template_global()
def member_url(member_id: int) -> str:
    return url_for("member_pages.member", member_id=member_id)


@bp.get("/m/<int:member_id>", endpoint="member")
def member_page(member_id: int):
    page = pages.member_page(db.session, member_id)
    if page is None:
        abort(404)
    viewer = current_member()
    return render_template(
        "ratings/member.html", page=page, member=page.member, own=viewer is not None and viewer.id == member_id
    )
