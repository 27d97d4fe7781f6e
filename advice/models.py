"""Imports every feature's models, so metadata (and Alembic) knows every table."""

from advice.accounts.models import LoginAttempt, RecoveryCode, User, UserRole, user_offices
from advice.api.models import IntegrationKey, PersonalToken
from advice.audit.models import AuditEvent
from advice.cases.models import (
    Attachment,
    Case,
    CaseArticle,
    CaseEntry,
    Contact,
    IdempotencyKey,
    ReferenceCounter,
    TrackingToken,
    case_topics,
)
from advice.inbound.models import InboundMessage
from advice.knowledge.models import Article, ArticleRevision, ArticleVote, article_topics
from advice.mail.models import OutboxAttachment, OutboxMessage
from advice.regions.models import Municipality, Office, RegionSetting
from advice.taxonomy.models import Channel, RequesterType, Topic

__all__ = [
    "Article",
    "ArticleRevision",
    "ArticleVote",
    "Attachment",
    "AuditEvent",
    "Case",
    "CaseArticle",
    "CaseEntry",
    "Channel",
    "Contact",
    "IdempotencyKey",
    "InboundMessage",
    "IntegrationKey",
    "LoginAttempt",
    "Municipality",
    "Office",
    "OutboxAttachment",
    "OutboxMessage",
    "PersonalToken",
    "RecoveryCode",
    "ReferenceCounter",
    "RegionSetting",
    "RequesterType",
    "Topic",
    "TrackingToken",
    "User",
    "UserRole",
    "article_topics",
    "case_topics",
    "user_offices",
]
