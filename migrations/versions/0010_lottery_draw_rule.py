"""lotteries record their draw rule: weight is the chance to win in eliminate mode too

Eliminate-mode lotteries already made keep the rule they were made under ("drop_weighted":
weight was the chance of dropping out each round) so their draws still verify; every other
lottery, and every new one, is "win_weighted" (a single draw's rule is the same under both).
Downgrading forgets the rule: a pre-0010 app would verify new eliminate draws by the old rule.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draw_rule", sa.String(length=16), server_default="win_weighted", nullable=False))
    op.execute("UPDATE lotteries SET draw_rule = 'drop_weighted' WHERE mode = 'eliminate'")


def downgrade():
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.drop_column("draw_rule")
