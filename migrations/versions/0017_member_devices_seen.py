"""member devices seen; deleted members stay, nameless

Devices remember the browser (User-Agent) and when they were last seen, for /me's list of
devices. A member the admin deletes keeps its row without a name, so their devices and Telegram
account stay one (anonymous) person whose next vote replaces the earlier one. Names are told
apart from now on: members who already share one keep it for the oldest, the others become
«Аня (2)», «Аня (3)» (a frozen copy of services/members/identity.free_name's rule).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=40), nullable=True)
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM members ORDER BY id")).all()
    taken, kept = {name for _id, name in rows}, set()
    for member_id, name in rows:
        if name not in kept:
            kept.add(name)
            continue
        number, candidate = 1, name
        while candidate in taken:
            number += 1
            suffix = f" ({number})"
            candidate = name[:40 - len(suffix)].rstrip() + suffix
        taken.add(candidate)
        conn.execute(sa.text("UPDATE members SET name = :name WHERE id = :id"), {"name": candidate, "id": member_id})


def downgrade():
    # Before 0017 a deleted member had no row: nameless members go (their answers and scores are
    # anonymised by the foreign keys' ON DELETE SET NULL, as a deletion did then).
    op.execute("DELETE FROM members WHERE name IS NULL")
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=40), nullable=False)
    with op.batch_alter_table('member_devices', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('user_agent')
