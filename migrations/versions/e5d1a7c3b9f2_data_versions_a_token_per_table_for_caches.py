"""data_versions: a random token per table, replaced by every transaction that writes to it (page caches)

Revision ID: e5d1a7c3b9f2
Revises: 1c2ff2e3fe2f
Create Date: 2026-12-04 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5d1a7c3b9f2'
down_revision = '1c2ff2e3fe2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_versions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions'))
    )


def downgrade():
    op.drop_table('data_versions')
