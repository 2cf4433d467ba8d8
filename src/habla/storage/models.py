"""The schema. JSON columns become JSONB on Postgres."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class LearnerRow(Base):
    __tablename__ = "learners"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_learners_channel_address"),
        Index("ix_learners_last_inbound_at", "last_inbound_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    profile: Mapped[dict] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[float] = mapped_column(Float)
    last_inbound_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the last_inbound_at whose 24-hour window was summarised (habla.practice.window_summary); None: never
    summarised_inbound_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class InboundSeenRow(Base):
    """Provider message ids already handled, and by which bus message (see habla.agents.dedupe). The id is
    stored as a keyed digest (WhatsApp's ids embed the sender's number) and pruned after 7 days."""

    __tablename__ = "inbound_seen"
    __table_args__ = (Index("ix_inbound_seen_seen_at", "seen_at"),)

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    seen_at: Mapped[float] = mapped_column(Float)
    claimed_by: Mapped[str | None] = mapped_column(String(96), nullable=True)  # the bus message id


class ServerKeyRow(Base):
    """Keys every process of a deployment shares (the digest key behind ``hashed()``), made once by the first
    process that needed one. Not learner data: erasing a learner leaves it."""

    __tablename__ = "server_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))  # hex
    created_at: Mapped[float] = mapped_column(Float)


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_learner_created", "learner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    # channel:message_id of the inbound message; unique so a redelivered message is answered once
    inbound_key: Mapped[str] = mapped_column(String(224), unique=True)
    user_text: Mapped[str] = mapped_column(Text)
    reply_text: Mapped[str] = mapped_column(Text)
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    path: Mapped[str | None] = mapped_column(String(16), nullable=True)  # structured | free_text (pedagogy.turn)


class DeliveryRow(Base):
    """Chunks already handed to a channel: a redelivered outbound message never sends one twice."""

    __tablename__ = "deliveries"

    outbound_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_key: Mapped[str] = mapped_column(String(191))
    sent_at: Mapped[float] = mapped_column(Float)


class LLMCallRow(Base):
    """One model attempt: tier, tokens and latency, for cost accounting and the 85 %-on-fast goal."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    tier: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    ok: Mapped[bool] = mapped_column(Boolean)
    tokens_in: Mapped[int] = mapped_column(Integer)
    tokens_out: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)


class StageTimingRow(Base):
    """How long one stage took (stage "reply": webhook → reply handed to the channel; "voice": note → transcript)."""

    __tablename__ = "stage_timings"
    __table_args__ = (
        Index("ix_stage_timings_stage_created", "stage", "created_at"),
        Index("ix_stage_timings_learner", "learner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)


EMBEDDING_DIM = 384


class PgVector(UserDefinedType):
    """pgvector's ``vector(n)``, exchanged in its binary format through the ``pgvector`` package's asyncpg codec
    (storage/database.py registers it on every connection). On a Postgres without pgvector the column is
    ``bytea`` instead (migration 0002) and holds float32 bytes, as on SQLite."""

    cache_ok = True

    def __init__(self, dim: int = EMBEDDING_DIM) -> None:
        self.dim = dim

    def get_col_spec(self, **_kw) -> str:
        return f"vector({self.dim})"


# float32 bytes on SQLite (searched exactly with numpy), pgvector on Postgres (searched with <=>)
Embedding = LargeBinary().with_variant(PgVector(), "postgresql")


class MemoryRow(Base):
    """A summary or key learning moment the memory agent wrote (in English), with its vector and terms."""

    __tablename__ = "memories"
    __table_args__ = (Index("ix_memories_learner_created", "learner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # summary | moment
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # domain.recall.terms_field of the text and its keywords
    importance: Mapped[float] = mapped_column(Float)
    hits: Mapped[int] = mapped_column(Integer, default=0)  # times recalled: usefulness
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    embedding_model: Mapped[str | None] = mapped_column(String(96), nullable=True)
    embedding = mapped_column(Embedding, nullable=True)


# Billing (habla.billing). Tables about one learner carry ``learner_id``, so "delete my data" erases them.


class BlockedAddressRow(Base):
    """The operator's blocklist (``habla admin block``), by normalised address. Deliberately no learner
    column: erasing their data must not lift an abuser's block."""

    __tablename__ = "blocked_addresses"

    address: Mapped[str] = mapped_column(String(128), primary_key=True)
    blocked_at: Mapped[float] = mapped_column(Float)


class BillingAccountRow(Base):
    """A learner's plan as fulfilment last computed it: the one the quota gate reads."""

    __tablename__ = "billing_accounts"

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # free | active
    notice: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "activated": say so on the next message
    activations: Mapped[int] = mapped_column(Integer, default=0)  # free → active transitions, ever
    changed_at: Mapped[float] = mapped_column(Float)


class CheckoutRow(Base):
    """One Checkout Session and the facts Stripe told us about it. Facts only ever become true, so events
    in any order end in the same state; access is derived from them (billing.fulfilment)."""

    __tablename__ = "billing_checkouts"

    session_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    learner_id: Mapped[str | None] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), nullable=True, index=True)
    client_reference_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mode: Mapped[str] = mapped_column(String(16))  # payment | subscription
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    payment_intent: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)  # the subscription was deleted
    updated_at: Mapped[float] = mapped_column(Float)


class StripeEventRow(Base):
    """Stripe events already applied, by id: a retry or replay of one is a no-op."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(96))
    received_at: Mapped[float] = mapped_column(Float)


class UsageCounterRow(Base):
    """Messages counted per learner and period ("free" for life, or "day:YYYY-MM-DD" in their timezone).
    ``last_key``: the message counted last, so the same message charged again (a redelivery) is not counted
    twice."""

    __tablename__ = "usage_counters"

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_key: Mapped[str | None] = mapped_column(String(224), nullable=True)


# The tutor (habla.pedagogy): what the structured turns found, kept as rows so they can be counted.


class CorrectionRow(Base):
    """One correction the tutor made in one turn (category from domain.taxonomy)."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_learner_created", "learner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    turn_id: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the turn, as the tutor gave them
    category: Mapped[str] = mapped_column(String(40))
    original: Mapped[str] = mapped_column(Text)
    corrected: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))  # minor | major | blocking
    created_at: Mapped[float] = mapped_column(Float)


class LearnerWordRow(Base):
    """A word (by lemma, in one target language) the learner met in a turn, and how often."""

    __tablename__ = "learner_words"
    __table_args__ = (Index("ix_learner_words_learner_last_seen", "learner_id", "last_seen"),)

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    lemma: Mapped[str] = mapped_column(String(80), primary_key=True)
    translation: Mapped[str] = mapped_column(Text)
    example: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)


# Practice (habla.practice): spaced-repetition cards and their reviews.


class PracticeCardRow(Base):
    """One FSRS card of one learner: a word (by lemma) or a recurring error pattern. ``fsrs`` is the
    card as ``fsrs.Card.to_dict()``; ``due_at`` copies its due time (UTC epoch) so due cards are one index scan."""

    __tablename__ = "practice_cards"
    __table_args__ = (Index("ix_practice_cards_learner_due", "learner_id", "due_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid5 of learner + key
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(400))  # "word:es:comer" | "error:ser_estar:soy cansado→estoy cansado"
    kind: Mapped[str] = mapped_column(String(8))  # word | error
    language: Mapped[str] = mapped_column(String(8))
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text)
    fsrs: Mapped[dict] = mapped_column(JsonDocument)
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State
    due_at: Mapped[float] = mapped_column(Float)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    last_review_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    introduced_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # first review: caps new cards a day


class PracticeReviewRow(Base):
    """One review of one card, keyed by card + source (a quiz answer, a turn), so none is applied twice."""

    __tablename__ = "practice_reviews"
    __table_args__ = (Index("ix_practice_reviews_learner_at", "learner_id", "reviewed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid5 of card + source
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    card_id: Mapped[str] = mapped_column(String(32), index=True)
    rating: Mapped[str] = mapped_column(String(8))  # again | hard | good | easy
    source: Mapped[str] = mapped_column(String(16))  # quiz | conversation
    reviewed_at: Mapped[float] = mapped_column(Float)


class PracticeScheduleRow(Base):
    """When a learner's next practice prompt is due (UTC epoch), computed from their chosen local times.
    ``signature`` is what it was computed from ("08:00,19:00@Europe/Madrid"): a profile that no longer
    matches is recomputed. NULL ``next_due_at``: no reminders."""

    __tablename__ = "practice_schedule"
    __table_args__ = (Index("ix_practice_schedule_next_due_at", "next_due_at"),)

    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    signature: Mapped[str] = mapped_column(String(200))
    next_due_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[float] = mapped_column(Float)
