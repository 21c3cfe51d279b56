"""secrets sealed at rest: TOTP seeds (two_factor) and sign-in providers' credentials (sso_providers)

Sealed values are longer than the secrets, so the TOTP columns become TEXT. The secrets already
stored stay plaintext here (a migration has no master key). An organisation that has a data key
had all its rows sealed, so its nodes refuse plaintext: for each one holding plaintext secrets,
the refusal is lifted and a re-encryption job is (re)opened, which seals them in the background
and then marks the organisation all sealed again (``store/reseal.py``). An organisation without
a key gets its "legacy" job when a node starts, as with migration 0013.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:10:00
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SEALED_MARK = "\x1e"  # the first character of every sealed value (axon/domain/sealing.py)

users = sa.table('users', sa.column('id', sa.String), sa.column('org_id', sa.String))
two_factor = sa.table('two_factor', sa.column('user_id', sa.String), sa.column('totp_secret', sa.Text),
                      sa.column('pending_secret', sa.Text))
sso_providers = sa.table('sso_providers', sa.column('org_id', sa.String), sa.column('secret', sa.Text))
data_keys = sa.table('data_keys', sa.column('id', sa.String), sa.column('org_id', sa.String),
                     sa.column('state', sa.String), sa.column('all_sealed_at', sa.BigInteger))
reseal_jobs = sa.table('reseal_jobs', *(sa.column(name) for name in (
    'org_id', 'key_id', 'reason', 'step', 'cursor', 'done', 'resealed', 'total', 'passes', 'started_at',
    'updated_at', 'finished_at')))


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':  # SQLite does not enforce lengths
        op.alter_column('two_factor', 'totp_secret', type_=sa.Text())
        op.alter_column('two_factor', 'pending_secret', type_=sa.Text())
    bind = op.get_bind()
    now_ms = int(time.time() * 1000)
    for org_id in sorted(_orgs_with_plaintext_secrets(bind)):
        active = bind.execute(sa.select(data_keys.c.id).where(data_keys.c.org_id == org_id,
                                                              data_keys.c.state == 'active')).scalar()
        if active is not None:
            _reopen_sealing(bind, org_id, active, now_ms)


def _orgs_with_plaintext_secrets(bind: sa.Connection) -> set[str]:
    found = bind.execute(sa.select(users.c.org_id, two_factor.c.totp_secret, two_factor.c.pending_secret)
                         .join(users, users.c.id == two_factor.c.user_id)).all()
    found += bind.execute(sa.select(sso_providers.c.org_id, sso_providers.c.secret)).all()
    return {row[0] for row in found if any(v and not v.startswith(SEALED_MARK) for v in row[1:])}


def _reopen_sealing(bind: sa.Connection, org_id: str, key_id: str, now_ms: int) -> None:
    bind.execute(data_keys.update().where(data_keys.c.org_id == org_id).values(all_sealed_at=None))
    job = bind.execute(sa.select(reseal_jobs.c.finished_at, reseal_jobs.c.total)
                       .where(reseal_jobs.c.org_id == org_id)).first()
    walk = {'key_id': key_id, 'reason': 'legacy', 'step': 0, 'cursor': '', 'done': 0, 'resealed': 0, 'passes': 0,
            'updated_at': now_ms, 'finished_at': None}
    if job is None:
        bind.execute(reseal_jobs.insert().values(org_id=org_id, total=_sealable_rows(bind, org_id), started_at=now_ms,
                                                 **walk))
    elif job.finished_at is not None:  # an unfinished job walks the new tables anyway
        bind.execute(reseal_jobs.update().where(reseal_jobs.c.org_id == org_id)
                     .values(total=_sealable_rows(bind, org_id), **walk))


# The rows a re-encryption walks at this revision (the progress bar's total), by how they belong
# to an organisation: directly, through a conversation, or through a user.
_ROWS_SQL = """
SELECT (SELECT count(*) FROM conversations WHERE org_id = :org)
     + (SELECT count(*) FROM users WHERE org_id = :org)
     + (SELECT count(*) FROM sso_providers WHERE org_id = :org)
     + (SELECT count(*) FROM events WHERE conversation_id IN (SELECT id FROM conversations WHERE org_id = :org))
     + (SELECT count(*) FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE org_id = :org))
     + (SELECT count(*) FROM user_events WHERE user_id IN (SELECT id FROM users WHERE org_id = :org))
     + (SELECT count(*) FROM drafts WHERE user_id IN (SELECT id FROM users WHERE org_id = :org))
     + (SELECT count(*) FROM two_factor WHERE user_id IN (SELECT id FROM users WHERE org_id = :org))
"""


def _sealable_rows(bind: sa.Connection, org_id: str) -> int:
    return int(bind.execute(sa.text(_ROWS_SQL), {"org": org_id}).scalar_one())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('two_factor', 'totp_secret', type_=sa.String(64))
        op.alter_column('two_factor', 'pending_secret', type_=sa.String(64))
