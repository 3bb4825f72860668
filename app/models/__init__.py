"""All models, importable from one place (and all registered for Alembic)."""
from app.models.audience import (
    AuditLog,
    MailingList,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    email_hash,
    mailbox_key,
    keyed,
)
from app.models.api import ApiToken, IdempotencyRecord, WebhookDelivery, WebhookEndpoint, WebhookStatus
from app.models.bounces import BounceRecord
from app.models.campaigns import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    campaign_lists,
)
from app.models.attendance import (
    Attendance,
    AttendanceStatus,
    CertificateSettings,
    CycleClosure,
    Half,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
)
from app.models.guards import GuardTrip, ProviderThrottle
from app.models.events import Cycle, Journee, Registration, RegistrationDay, RegistrationStatus
from app.models.imports import ImportJob, ImportStatus
from app.models.messages import MessageStatus, TransactionalMessage
from app.models.operations import ProcessHeartbeat
from app.models.quota import RelayQuota
from app.models.sequences import (
    EnrolmentStatus,
    EventKind,
    Sequence,
    SequenceEnrolment,
    SequenceEvent,
    SequenceStep,
    SequenceStepSend,
    event_rows,
    not_a_step_campaign,
    record_event,
)
from app.models.tracking import LinkClick
from app.models.types import utcnow
from app.models.users import LoginLock, Role, User
from app.models import search_index  # noqa: F401 - keeps subscriber_terms in step with every ORM change
from app.models.workspace import MediaFile, MessageTemplate, SavedSegment, SubscriberTerm, SuppressedDomain

__all__ = [
    "QuestionKind", "SurveyQuestion",
    "ApiToken", "IdempotencyRecord", "WebhookDelivery", "WebhookEndpoint", "WebhookStatus",
    "Attendance", "AttendanceStatus", "AuditLog", "BounceRecord", "Campaign", "CampaignStatus", "CampaignTemplate",
    "CertificateSettings", "Cycle", "CycleClosure", "Delivery", "DeliveryStatus", "Half", "ImportJob", "ImportStatus",
    "GuardTrip", "Journee", "LinkClick", "MailingList", "MessageStatus", "OutboxMessage", "ProcessHeartbeat", "ProviderThrottle", "SurveyAnswer",
    "Registration", "RelayQuota",
    "RegistrationDay", "RegistrationStatus", "Role", "Subscriber", "SubscriberStatus",
    "Subscription", "SubscriptionStatus", "Suppression", "SuppressionReason", "TransactionalMessage", "User", "LoginLock",
    "campaign_lists", "email_hash", "keyed", "mailbox_key", "utcnow",
    "MediaFile", "MessageTemplate", "SavedSegment", "SubscriberTerm", "SuppressedDomain",
    "EnrolmentStatus", "EventKind", "Sequence", "SequenceEnrolment", "SequenceEvent", "SequenceStep",
    "SequenceStepSend", "event_rows", "not_a_step_campaign", "record_event",
]
