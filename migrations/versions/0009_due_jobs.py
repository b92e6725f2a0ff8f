"""due jobs: what the worker must do once at a given time (reminders, weekly backups)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('due_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_due_jobs_key'))
    )
    with op.batch_alter_table('due_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_due_jobs_done_at_due_at', ['done_at', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('due_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_due_jobs_done_at_due_at')

    op.drop_table('due_jobs')
