"""The durable store for assessments, journey maps and action items.

SQLite in the workspace by default, any PostgreSQL server by URL; the schema is kept by the
Alembic migrations in `migrations/`, applied when a `Store` opens.
"""

from playbooks.store.migrate import downgrade_schema, upgrade_schema
from playbooks.store.records import (
    ActionItemRecord,
    AnswerRecord,
    AssessmentRecord,
    JourneyMapRecord,
    NotFoundError,
    StaleVersionError,
    StoreError,
    TeamRecord,
    answers_from_levels,
)
from playbooks.store.settings import resolve_database_url, workspace_dir
from playbooks.store.store import Store

__all__ = [
    "ActionItemRecord",
    "AnswerRecord",
    "AssessmentRecord",
    "JourneyMapRecord",
    "NotFoundError",
    "StaleVersionError",
    "Store",
    "StoreError",
    "TeamRecord",
    "answers_from_levels",
    "downgrade_schema",
    "resolve_database_url",
    "upgrade_schema",
    "workspace_dir",
]
