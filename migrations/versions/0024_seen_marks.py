"""seen marks: a member says they have seen a film

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('seen_marks',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['film_id'], ['films.id'], name=op.f('fk_seen_marks_film_id_films'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_seen_marks_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'film_id', name=op.f('pk_seen_marks'))
    )
    with op.batch_alter_table('seen_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_marks_film_id'), ['film_id'], unique=False)


def downgrade():
    with op.batch_alter_table('seen_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_marks_film_id'))

    op.drop_table('seen_marks')
