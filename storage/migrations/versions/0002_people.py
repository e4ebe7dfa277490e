"""people: users, conversations, dedupe, applications, enrolments, interests, requests, outbox

Revision ID: 0002_people
Revises: 0001_catalog
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002_people"
down_revision = "0001_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_key', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('done_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_requests'))
    )
    op.create_index(op.f('ix_callback_requests_user_key'), 'callback_requests', ['user_key'], unique=False)
    op.create_table('conversations',
    sa.Column('user_key', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=80), nullable=True),
    sa.Column('data', sa.Text(), server_default='{}', nullable=False),
    sa.Column('token', sa.String(length=16), server_default='', nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_key', name=op.f('pk_conversations'))
    )
    op.create_table('interests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_key', sa.String(length=120), nullable=False),
    sa.Column('branch_id', sa.String(length=80), nullable=False),
    sa.Column('district', sa.String(length=60), server_default='', nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('notified_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests')),
    sa.UniqueConstraint('user_key', 'branch_id', 'district', name='uq_interests_user_branch')
    )
    op.create_index(op.f('ix_interests_user_key'), 'interests', ['user_key'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='queued', nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    op.create_index('ix_outbox_status_due', 'outbox', ['status', 'due_at'], unique=False)
    op.create_index(op.f('ix_outbox_user_key'), 'outbox', ['user_key'], unique=False)
    op.create_table('processed_messages',
    sa.Column('user_key', sa.String(length=120), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('processed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_key', 'message_id', name=op.f('pk_processed_messages'))
    )
    op.create_index(op.f('ix_processed_messages_processed_at'), 'processed_messages', ['processed_at'], unique=False)
    op.create_table('users',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_inbound_at', UTCDateTime(), nullable=True),
    sa.Column('unreachable', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('pushes_off', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_users'))
    )
    op.create_table('applications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('user_key', sa.String(length=120), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('course_id', sa.String(length=80), nullable=False),
    sa.Column('branch_id', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('national_id_enc', sa.Text(), nullable=False),
    sa.Column('national_id_hash', sa.String(length=64), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('district', sa.String(length=60), nullable=False),
    sa.Column('education', sa.String(length=80), server_default='', nullable=False),
    sa.Column('employment', sa.String(length=80), server_default='', nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('consent_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_applications_course_id_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('number', name=op.f('uq_applications_number'))
    )
    op.create_index(op.f('ix_applications_course_id'), 'applications', ['course_id'], unique=False)
    op.create_index(op.f('ix_applications_national_id_hash'), 'applications', ['national_id_hash'], unique=False)
    op.create_index(op.f('ix_applications_status'), 'applications', ['status'], unique=False)
    op.create_index(op.f('ix_applications_user_key'), 'applications', ['user_key'], unique=False)
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('course_id', sa.String(length=80), nullable=False),
    sa.Column('user_key', sa.String(length=120), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('national_id_enc', sa.Text(), nullable=True),
    sa.Column('national_id_hash', sa.String(length=64), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_enrolments_application_id_applications')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrolments_course_id_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments'))
    )
    op.create_index(op.f('ix_enrolments_course_id'), 'enrolments', ['course_id'], unique=False)
    op.create_index(op.f('ix_enrolments_national_id_hash'), 'enrolments', ['national_id_hash'], unique=False)
    op.create_index(op.f('ix_enrolments_phone'), 'enrolments', ['phone'], unique=False)
    op.create_index(op.f('ix_enrolments_user_key'), 'enrolments', ['user_key'], unique=False)
    # ### end Alembic commands ###

def downgrade() -> None:
    op.drop_index(op.f('ix_enrolments_user_key'), table_name='enrolments')
    op.drop_index(op.f('ix_enrolments_phone'), table_name='enrolments')
    op.drop_index(op.f('ix_enrolments_national_id_hash'), table_name='enrolments')
    op.drop_index(op.f('ix_enrolments_course_id'), table_name='enrolments')
    op.drop_table('enrolments')
    op.drop_index(op.f('ix_applications_user_key'), table_name='applications')
    op.drop_index(op.f('ix_applications_status'), table_name='applications')
    op.drop_index(op.f('ix_applications_national_id_hash'), table_name='applications')
    op.drop_index(op.f('ix_applications_course_id'), table_name='applications')
    op.drop_table('applications')
    op.drop_table('users')
    op.drop_index(op.f('ix_processed_messages_processed_at'), table_name='processed_messages')
    op.drop_table('processed_messages')
    op.drop_index(op.f('ix_outbox_user_key'), table_name='outbox')
    op.drop_index('ix_outbox_status_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_interests_user_key'), table_name='interests')
    op.drop_table('interests')
    op.drop_table('conversations')
    op.drop_index(op.f('ix_callback_requests_user_key'), table_name='callback_requests')
    op.drop_table('callback_requests')
    # ### end Alembic commands ###