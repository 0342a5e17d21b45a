"""privacy: users.erased_at (erased on request, law 09-08), certificates.holder_erased_at

An erased person keeps no phone and no e-mail: the check that every account has one of them allows an
erased account. Going down, an erased account gets an address that can reach nobody
(erased-<id>@erased.invalid, RFC 2606) so that the older check holds; it stays inactive, without
password or names.

Revision ID: 1c2ff2e3fe2f
Revises: 8b59ac6ec1a4
Create Date: 2026-12-04 23:13:59.625579

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c2ff2e3fe2f'
down_revision = '8b59ac6ec1a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_erased_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_users_has_identifier'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_has_identifier'),
                                         'email IS NOT NULL OR phone IS NOT NULL OR erased_at IS NOT NULL')


def downgrade():
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String),
                     sa.column('phone', sa.String), sa.column('erased_at', sa.DateTime))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id).where(users.c.erased_at.is_not(None),
                                                                     users.c.email.is_(None), users.c.phone.is_(None))):
        connection.execute(users.update().where(users.c.id == user_id).values(email=f'erased-{user_id}@erased.invalid'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_has_identifier'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_has_identifier'), 'email IS NOT NULL OR phone IS NOT NULL')
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('holder_erased_at')
