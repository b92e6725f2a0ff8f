"""outbox leases: a row being sent is marked with a lease (until, token) instead of a lock held
across the network

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'push_deliveries')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('lease_token', sa.String(length=32), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('lease_token')
            batch_op.drop_column('lease_until')
