"""quality analytics: stored transcripts and their utterances with a full-text index on
the lemmatised text (SQLite FTS5; PostgreSQL tsvector in the 'russian' configuration, GIN)

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)

# SQLite: an external-content FTS5 table over qa_utterances.lemmas; its rowid is the
# utterance id. unicode61 without diacritic removal: lemmas are already folded (ё -> е)
# and «й» must stay «й».
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE qa_utterances_fts USING fts5("
    "lemmas, content='qa_utterances', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER qa_utterances_fts_ai AFTER INSERT ON qa_utterances BEGIN "
    "INSERT INTO qa_utterances_fts(rowid, lemmas) VALUES (new.id, new.lemmas); END",
    "CREATE TRIGGER qa_utterances_fts_ad AFTER DELETE ON qa_utterances BEGIN "
    "INSERT INTO qa_utterances_fts(qa_utterances_fts, rowid, lemmas) "
    "VALUES ('delete', old.id, old.lemmas); END",
    "CREATE TRIGGER qa_utterances_fts_au AFTER UPDATE OF lemmas ON qa_utterances BEGIN "
    "INSERT INTO qa_utterances_fts(qa_utterances_fts, rowid, lemmas) "
    "VALUES ('delete', old.id, old.lemmas); "
    "INSERT INTO qa_utterances_fts(rowid, lemmas) VALUES (new.id, new.lemmas); END",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS qa_utterances_fts_au",
    "DROP TRIGGER IF EXISTS qa_utterances_fts_ad",
    "DROP TRIGGER IF EXISTS qa_utterances_fts_ai",
    "DROP TABLE IF EXISTS qa_utterances_fts",
]
# PostgreSQL: the lemmas through the stock 'russian' configuration (snowball stemmer,
# stop words dropped but their positions kept), stored and GIN-indexed.
POSTGRES_FTS = [
    "ALTER TABLE qa_utterances ADD COLUMN lemma_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, lemmas)) STORED",
    "CREATE INDEX ix_qa_utterances_lemma_tsv ON qa_utterances USING gin (lemma_tsv)",
]


def upgrade() -> None:
    op.create_table(
        'qa_transcripts',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('contact_ref', sa.String(200), nullable=False),
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('agent_id', sa.String(64), nullable=True),
        sa.Column('queue_id', sa.String(64), nullable=True),
        sa.Column('started_at', When, nullable=False),
        sa.Column('language', sa.String(16), nullable=False),
        sa.Column('duration_seconds', sa.Float(), nullable=False),
        sa.Column('utterance_count', sa.Integer(), nullable=False),
        sa.Column('redacted', sa.Boolean(), nullable=False),
        sa.Column('sentiment', sa.String(16), nullable=False),
        sa.Column('sentiment_score', sa.Float(), nullable=False),
        sa.Column('ingested_at', When, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contact_ref'),
    )
    op.create_index('ix_qa_transcripts_started', 'qa_transcripts', ['started_at'])
    op.create_index('ix_qa_transcripts_agent_started', 'qa_transcripts',
                    ['agent_id', 'started_at'])
    op.create_index('ix_qa_transcripts_queue_started', 'qa_transcripts',
                    ['queue_id', 'started_at'])
    op.create_table(
        'qa_utterances',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('transcript_id', BigId, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('speaker', sa.String(16), nullable=False),
        sa.Column('start_seconds', sa.Float(), nullable=False),
        sa.Column('end_seconds', sa.Float(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('lemmas', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['transcript_id'], ['qa_transcripts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('transcript_id', 'seq', name='uq_qa_utterances_seq'),
    )
    dialect = op.get_bind().dialect.name
    statements = {'sqlite': SQLITE_FTS, 'postgresql': POSTGRES_FTS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    op.drop_table('qa_utterances')
    op.drop_index('ix_qa_transcripts_queue_started', table_name='qa_transcripts')
    op.drop_index('ix_qa_transcripts_agent_started', table_name='qa_transcripts')
    op.drop_index('ix_qa_transcripts_started', table_name='qa_transcripts')
    op.drop_table('qa_transcripts')
