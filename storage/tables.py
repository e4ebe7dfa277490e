"""The database schema, as SQLAlchemy Core tables (migrations in storage/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
)

from storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

fields = Table(
    "fields",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, server_default=""),  # 0009
    Column("name_ar", String(200), nullable=False, server_default=""),
)

branches = Table(
    "branches",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("field_id", String(80), ForeignKey("fields.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, server_default=""),  # 0009
    Column("name_ar", String(200), nullable=False, server_default=""),
    Column("hours", Integer, nullable=False),
    Column("min_age", Integer, nullable=False),
    Column("keywords", Text, nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
)

# Answers added to the FAQ from the panel (0011): catalog rows like the others (exported and
# imported as the "SSS" sheet), joined to locales/faq.*.yaml's topics when the catalog loads.
faq_topics = Table(
    "faq_topics",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("keywords", Text, nullable=False),  # ";"-joined
    Column("answer", Text, nullable=False),
    Column("answer_en", Text, nullable=False, server_default=""),
    Column("answer_ar", Text, nullable=False, server_default=""),
)

centers = Table(
    "centers",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, server_default=""),  # 0009
    Column("name_ar", String(200), nullable=False, server_default=""),
    Column("district", String(60), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("hours", String(200), nullable=False, server_default=""),
)

courses = Table(
    "courses",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("branch_id", String(80), ForeignKey("branches.id"), nullable=False, index=True),
    Column("center_id", String(80), ForeignKey("centers.id"), nullable=False, index=True),
    Column("capacity", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("weekdays", String(40), nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("application_opens", Date, nullable=True),
    Column("application_closes", Date, nullable=True),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("notes", Text, nullable=False, server_default=""),
    Column("min_age", Integer, nullable=True),
    Column("max_age", Integer, nullable=True),
    Column("women_only", Boolean, nullable=False, server_default=false()),
    CheckConstraint("capacity >= 0", name="capacity_nonneg"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(100), primary_key=True),
    Column(
        "course_id",
        String(80),
        ForeignKey("courses.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("status", String(20), nullable=False, server_default="scheduled"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("holiday", String(120), nullable=False, server_default=""),
    Index("ix_sessions_course_start", "course_id", "starts_at"),
    Index("ix_sessions_starts_at", "starts_at"),
)

# --- People and conversations (0002) -------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("key", String(200), primary_key=True),  # "<channel>:<id>"
    Column("channel", String(20), nullable=False),
    Column("locale", String(10), nullable=True),
    Column("phone", String(20), nullable=True),  # E.164, when the user shared their own
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_inbound_at", UTCDateTime(), nullable=True),
    Column("unreachable", Boolean, nullable=False, server_default=false()),
    Column("pushes_off", Boolean, nullable=False, server_default=false()),
)

conversations = Table(
    "conversations",
    metadata,
    Column("user_key", String(200), primary_key=True),
    Column("state", String(80), nullable=True),
    Column("data", Text, nullable=False, server_default="{}"),
    Column("token", String(16), nullable=False, server_default=""),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime(), nullable=False),
)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("user_key", String(200), primary_key=True),
    Column("message_id", String(200), primary_key=True),
    Column("processed_at", UTCDateTime(), nullable=False),
    # What the turn answered, sealed (WhatsApp): written with the turn, cleared once sent.
    Column("replies", Text, nullable=True),
    # With the user key, so the dashboard counts a day's messages per channel from the index.
    Index("ix_processed_messages_processed_at_user_key", "processed_at", "user_key"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(30), nullable=True, unique=True),
    Column("user_key", String(200), nullable=True, index=True),
    Column("channel", String(20), nullable=False),
    Column("course_id", String(80), ForeignKey("courses.id"), nullable=False, index=True),
    Column("branch_id", String(80), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("national_id_enc", Text, nullable=False),
    Column("national_id_hash", String(64), nullable=False, index=True),
    Column("birth_date", Date, nullable=False),
    Column("phone", String(20), nullable=False),
    Column("district", String(60), nullable=False),
    Column("education", String(80), nullable=False, server_default=""),
    Column("employment", String(80), nullable=False, server_default=""),
    Column("status", String(20), nullable=False, index=True),
    Column("consent_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(200), nullable=True),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("course_id", String(80), ForeignKey("courses.id"), nullable=False, index=True),
    Column("user_key", String(200), nullable=True, index=True),
    Column("full_name", String(200), nullable=False),
    Column("phone", String(20), nullable=False, index=True),
    Column("national_id_enc", Text, nullable=True),
    Column("national_id_hash", String(64), nullable=True, index=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=True),
    Column("source", String(20), nullable=False),  # application | desk
    Column("created_at", UTCDateTime(), nullable=False),
)

interests = Table(
    "interests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(200), nullable=False, index=True),
    Column("branch_id", String(80), nullable=False),
    Column("district", String(60), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("notified_at", UTCDateTime(), nullable=True),
    UniqueConstraint("user_key", "branch_id", "district", name="uq_interests_user_branch"),
)

callback_requests = Table(
    "callback_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(200), nullable=True, index=True),
    Column("phone", String(20), nullable=False),
    Column("question", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime(), nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(200), nullable=False, index=True),
    Column("kind", String(30), nullable=False),  # decision, waitlist, reminder, alert, ...
    Column("payload", Text, nullable=False),  # JSON: text, buttons
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("status", String(20), nullable=False, server_default="queued"),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Index("ix_outbox_status_due", "status", "due_at"),
)

# --- Reminders (0004) ------------------------------------------------------------------------
# Reminder rows live in `outbox` (kind "reminder", one per session, trainee and reminder kind by
# dedupe_key); these columns let a session change find and re-plan its reminders.
outbox.append_column(Column("session_id", String(100), nullable=True, index=True))
outbox.append_column(Column("enrolment_id", Integer, nullable=True, index=True))
# Who is sending a claimed push and until when (an expired lease is a crashed instance's).
outbox.append_column(Column("owner", String(80), nullable=True))
outbox.append_column(Column("lease_until", UTCDateTime(), nullable=True))
users.append_column(Column("reminders", String(60), nullable=False, server_default=""))

attendance = Table(
    "attendance",
    metadata,
    Column("session_id", String(100), primary_key=True),
    Column("enrolment_id", Integer, primary_key=True),
    Column("user_key", String(200), nullable=False, index=True),
    Column("answer", String(10), nullable=False),  # yes | no
    Column("answered_at", UTCDateTime(), nullable=False),
)

# A few named values shared between processes, e.g. "catalog_version" (bumped by imports and
# session changes so a running bot reloads its catalog).
meta = Table(
    "meta",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- WhatsApp (0003) -------------------------------------------------------------------------
# Inbound messages kept until handled (deduplicated by wamid), and our sent messages with their
# delivery status; storage/whatsapp_repo.py reads and writes them.
wa_inbound = Table(
    "wa_inbound",
    metadata,
    Column("wamid", String(200), primary_key=True),
    Column("user_key", String(160), nullable=False, index=True),
    # JSON sealed with the data key (it may hold an id no.); "{}" once handled.
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=True),
    Index("ix_wa_inbound_processed_received", "processed_at", "received_at"),
    Index("ix_wa_inbound_user_received", "user_key", "received_at"),
)

# Which instance handles a user's stored WhatsApp messages (PostgreSQL, several instances):
# the holder, until when (a lease it renews), and how many were stored for the user while it
# was held (a holder releases only when it has taken in that many).
wa_claims = Table(
    "wa_claims",
    metadata,
    Column("user_key", String(160), primary_key=True),
    Column("owner", String(80), nullable=False),
    Column("lease_until", UTCDateTime(), nullable=False),
    Column("stored", Integer, nullable=False, server_default="0"),
)

wa_sent = Table(
    "wa_sent",
    metadata,
    Column("wamid", String(200), primary_key=True),
    Column("user_key", String(160), nullable=False, index=True),
    Column("kind", String(30), nullable=False),  # reply, reminder, decision, ... or unknown
    Column("status", String(20), nullable=False, server_default="sent"),
    Column("error_code", Integer, nullable=True),
    Column("error_title", String(300), nullable=False, server_default=""),
    Column("updated_at", UTCDateTime(), nullable=False, index=True),
)

# Telegram updates kept from their arrival until handled (0012): a crash between the
# acknowledgement (the webhook's 200, the next getUpdates) and the answer delays it instead of
# losing it. `owner`/`lease_until`: which instance is handling it (PostgreSQL, several).
tg_inbound = Table(
    "tg_inbound",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_key", String(160), nullable=False, index=True),
    # The update's JSON sealed with the data key (it may hold an id no.); "{}" once handled.
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=True),
    Index("ix_tg_inbound_processed_received", "processed_at", "received_at"),
)

# Which instance handles a Telegram user's kept updates, in order (0014): as `wa_claims`.
tg_claims = Table(
    "tg_claims",
    metadata,
    Column("user_key", String(160), primary_key=True),
    Column("owner", String(80), nullable=False),
    Column("lease_until", UTCDateTime(), nullable=False),
    Column("stored", Integer, nullable=False, server_default="0"),
)

# The buttons of a WhatsApp list longer than one list (10 rows), by user and the list's token,
# so whichever instance handles the "more" row shows the next page (0013). Sealed, as what the
# buttons show may name the user's own choices; kept 15 minutes after a page was last shown.
wa_pages = Table(
    "wa_pages",
    metadata,
    Column("user_key", String(160), primary_key=True),
    Column("token", String(16), primary_key=True),
    Column("buttons", Text, nullable=False),
    Column("shown_at", UTCDateTime(), nullable=False, index=True),
)

# --- Staff panel (0006) ----------------------------------------------------------------------
applications.append_column(Column("reason", Text, nullable=False, server_default=""))
# The name as staff search for it (core.checks.search_key): "sahin" finds "Şahin".
applications.append_column(Column("name_key", String(200), nullable=False, server_default=""))
Index("ix_applications_created_at", applications.c.created_at)
Index("ix_applications_course_status", applications.c.course_id, applications.c.status)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),  # admin | centre
    Column("centres", Text, nullable=False, server_default=""),  # comma-separated centre ids
    Column("password_hash", Text, nullable=False),  # Argon2id
    Column("must_change", Boolean, nullable=False, server_default=false()),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_sign_in_at", UTCDateTime(), nullable=True),
    UniqueConstraint("email", name="uq_staff_email"),
)

# A signed-in browser: the cookie carries a random token, the row its hash (`id`).
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("csrf", String(64), nullable=False),
    Column("address", String(64), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
)

# Every staff action: who (an e-mail, or "cli"), when, what, on what.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("actor", String(254), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default=""),
    Column("address", String(64), nullable=False, server_default=""),
    Index("ix_audit_action_target_at", "action", "target", "at"),
    Index("ix_audit_action_address_at", "action", "address", "at"),
    Index("ix_audit_target", "target"),
)

# An uploaded file between its preview and the admin's confirmation (encrypted: trainee lists
# hold personal data); deleted on confirmation, or when an hour old.
panel_uploads = Table(
    "panel_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("staff_id", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # catalog | trainees
    Column("filename", String(200), nullable=False),
    Column("options", Text, nullable=False, server_default="{}"),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The inbox: a conversation handed to a person ("Yetkiliyle görüş"), routed to a centre (NULL:
# the admins), and what was said in it, digits of ids and phones masked. `waiting_since` is the
# citizen's oldest message no staff answer has followed (NULL: nobody waits).
inbox_threads = Table(
    "inbox_threads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_key", String(200), nullable=False, index=True),
    Column("centre_id", String(80), nullable=True),
    Column("status", String(10), nullable=False, server_default="open"),  # open | closed
    Column("context", Text, nullable=False, server_default=""),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("waiting_since", UTCDateTime(), nullable=True),
    Column("last_message_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(254), nullable=False, server_default=""),
    Index("ix_inbox_threads_status_centre_waiting", "status", "centre_id", "waiting_since"),
)

inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "thread_id",
        Integer,
        ForeignKey("inbox_threads.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("at", UTCDateTime(), nullable=False),
    # citizen | staff | note | before_in, before_out (said before the handoff, 0011)
    Column("sender", String(10), nullable=False),
    Column("author", String(254), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Index("ix_inbox_messages_thread_id_id", "thread_id", "id"),
)

# What the assistant could not answer: texts (every digit masked) grouped by similar wording.
# A group holds no text of its own, so erasing a user's texts leaves nothing of theirs behind.
unanswered_groups = Table(
    "unanswered_groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("handled_at", UTCDateTime(), nullable=True),
    Column("handled_by", String(254), nullable=False, server_default=""),
    Index("ix_unanswered_groups_handled_at_last_seen", "handled_at", "last_seen"),
)

unanswered_texts = Table(
    "unanswered_texts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "group_id",
        Integer,
        ForeignKey("unanswered_groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("user_key", String(200), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("reason", String(12), nullable=False),  # fallback | no_course | repeated | handoff
    Column("text", Text, nullable=False),
    Column("folded", Text, nullable=False),
    Index("ix_unanswered_texts_reason_at", "reason", "at"),
)

# The dashboard counts reminders of the last week by kind and due time.
Index("ix_outbox_kind_due", outbox.c.kind, outbox.c.due_at)

# Catalog changes made in the panel (keywords added to a branch), one row per version.
catalog_changes = Table(
    "catalog_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(254), nullable=False),
    Column("kind", String(20), nullable=False),  # keywords | faq
    Column("target", String(80), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("version", String(40), nullable=False, server_default=""),
)
