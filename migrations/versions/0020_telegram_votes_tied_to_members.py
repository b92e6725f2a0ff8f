"""Telegram votes cast before members tied to their member

Before 0012 a Telegram button vote was stored as voter "t:<Telegram user id>"; since then a
Telegram user votes as their member ("m:<member id>"), so after upgrading that person's old
vote was nobody's and a new press added a second vote. Each such vote now belongs to the
member linked to that Telegram account — made for it where there is none, as the bot makes one
for a new Telegram voter, named as the bot's private chat with them was titled (else
"Telegram <id>"). Where the member had voted again in the same poll, the later vote stays, as
in a merge of members. Downgrading leaves the votes tied (an older app reads "m:" votes).

`flask import` replays ``data_step`` on a backup made before this revision
(services/backup/upgrades.py): the same change on the imported rows.

Revision ID: 0020
Revises: 0019
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NAME_MAX = 40

_votes = sa.table("poll_votes", sa.column("id", sa.Integer), sa.column("poll_id", sa.Integer),
                  sa.column("voter", sa.String), sa.column("voted_at", sa.DateTime(timezone=True)))
_members = sa.table("members", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("telegram_user_id", sa.BigInteger), sa.column("created_at", sa.DateTime(timezone=True)))
_chats = sa.table("telegram_chats", sa.column("chat_id", sa.BigInteger), sa.column("title", sa.String))
_polls = sa.table("polls", sa.column("id", sa.Integer), sa.column("version", sa.Integer))


def _member_for(conn, user_id: int) -> int:
    found = conn.scalar(sa.select(_members.c.id).where(_members.c.telegram_user_id == user_id))
    if found is not None:
        return found
    title = conn.scalar(sa.select(_chats.c.title).where(_chats.c.chat_id == user_id))
    name = " ".join("".join(ch for ch in (title or "") if ch.isprintable()).split())[:NAME_MAX].strip()
    made = conn.execute(_members.insert().values(name=name or f"Telegram {user_id}", telegram_user_id=user_id,
                                                 created_at=datetime.now(timezone.utc)).returning(_members.c.id))
    return made.scalar_one()


def data_step(conn) -> None:
    """Every "t:<id>" vote becomes its member's; of two votes in one poll, the later stays."""
    voters = conn.scalars(sa.select(_votes.c.voter).where(_votes.c.voter.like("t:%")).distinct()).all()
    touched: set = set()
    for voter in voters:
        user = voter[2:]
        if not user.lstrip("-").isdigit():
            continue
        key = f"m:{_member_for(conn, int(user))}"
        rows = conn.execute(sa.select(_votes.c.id, _votes.c.poll_id, _votes.c.voted_at)
                            .where(_votes.c.voter.in_((voter, key)))).all()
        latest: dict = {}
        for row in sorted(rows, key=lambda r: (r.voted_at, r.id)):
            if row.poll_id in latest:
                conn.execute(_votes.delete().where(_votes.c.id == latest[row.poll_id]))
            latest[row.poll_id] = row.id
        conn.execute(_votes.update().where(_votes.c.voter == voter).values(voter=key))
        touched.update(latest)
    if touched:  # announcements and cached pages of these polls are rendered again
        conn.execute(_polls.update().where(_polls.c.id.in_(sorted(touched))).values(version=_polls.c.version + 1))


def upgrade():
    data_step(op.get_bind())


def downgrade():
    pass
