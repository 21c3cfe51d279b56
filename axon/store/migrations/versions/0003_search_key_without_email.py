"""people's search keys without their e-mail address (only admins may find people by e-mail)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from axon.domain.names import search_key

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_users = sa.table("users", sa.column("id", sa.String), sa.column("display_name", sa.Text),
                  sa.column("username", sa.Text), sa.column("email", sa.Text), sa.column("search_key", sa.Text))


def _rewrite(with_email: bool) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_users.c.id, _users.c.display_name, _users.c.username, _users.c.email)).all()
    for user_id, display_name, username, email in rows:
        key = search_key(display_name, username, (email or "") if with_email else "")
        conn.execute(sa.update(_users).where(_users.c.id == user_id).values(search_key=key))


def upgrade() -> None:
    _rewrite(with_email=False)


def downgrade() -> None:
    _rewrite(with_email=True)
