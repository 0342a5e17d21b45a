"""one_time_codes.failed_attempts: wrong codes are counted per code, so a code cannot be guessed

Revision ID: 7a1c0de5f0a1
Revises: 3543877860c9
Create Date: 2026-12-04 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0de5f0a1'
down_revision = '3543877860c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_column('failed_attempts')
