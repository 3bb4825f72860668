"""Audience: the people, their lists and consent, suppressions, search, imports and exports,
and the audiences built from registrations and attendance (who a message may go to).

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.audience.addresses import Mailbox, address_key, delivery_address, parse_mailbox, shown_address
from app.services.audience.core import (
    Consent,
    InvalidAddress,
    audit,
    find_list,
    find_subscriber,
    is_suppressed,
    normalise_email,
    set_subscription,
    suppress,
)
from app.services.audience.counts import cached_count, draft_count, live_count
from app.services.audience.event_audiences import (
    FOLLOWUP_KINDS,
    InvalidCriterion,
    REGISTRANT_KINDS,
    choices as audience_choices,
    describe as describe_audience,
    normalise as normalise_criterion,
    parse_choice as parse_audience_choice,
)
from app.services.audience.exporter import export_csv
from app.services.audience.sources import SOURCE_LABELS, source_label
from app.services.audience.import_jobs import (
    create_job_from_preview,
    create_job_from_upload,
    resume_stale as resume_stale_imports,
    start as start_import,
    upload_dir as import_dir,
    wait as wait_for_import,
)
from app.services.audience.import_mapping import MAPPABLE_FIELDS as IMPORT_FIELDS
from app.services.audience.import_preview import (
    discard as discard_preview,
    forget_old as forget_old_previews,
    path_for as preview_path,
    read_preview,
    store as store_preview,
)
from app.services.audience.importer import COUNT_LABELS, ERASED_MARK, ImportFileError, ImportReport, import_csv
from app.services.audience.mailing_lists import (
    SLUG_RE,
    DuplicateList,
    create_list,
    ListError,
    UnknownList,
    lists_by_slug,
    campaigns_using,
    delete as delete_list,
    growth as list_growth,
    member_counts,
    open_lists,
    set_archived as set_list_archived,
    update as update_list,
)
from app.services.audience.names import clean_name
from app.services.audience.people import (
    PersonError,
    add_person,
    describe as describe_history_line,
    KeptReminder,
    StillComing,
    kept_reminders,
    resubscribe_all,
    set_lists,
    still_coming,
    suppress_person,
    unsubscribe_all,
    unsuppress_person,
    update_person,
)
from app.services.audience.search import SEARCH_LIMIT, search_subscribers
from app.services.audience.standing import standing_of
from app.services.audience.subscriber_records import (
    NewSubscriber,
    RecordRefused,
    add_subscriber,
    unsubscribe_from,
    update_profile,
)
from app.services.audience.subscriptions import (
    LinkTarget,
    RETENTION_FLAG,
    confirm as confirm_subscription,
    consent_text,
    is_unsubscribed,
    load_expired_confirmation,
    memberships,
    preference_lists,
    public_lists,
    request_subscription,
    resend_expired_confirmation,
    resolve_preferences,
    resolve_unsubscribe,
    resubscribe,
    scope_lists,
    send_confirmation,
    subscriber_by_uid,
    unsubscribe,
    update_preferences,
)
from app.services.audience.suppressions import (
    REASON_LABELS as SUPPRESSION_REASON_LABELS,
    SuppressionError,
    add as add_suppression,
    is_blocked,
    is_domain_suppressed,
    remove as remove_suppression,
    remove_hash as remove_suppression_hash,
    suppress_address,
    entries as suppression_entries,
)

__all__ = [
    "ERASED_MARK", "import_dir",
    "SOURCE_LABELS", "source_label",
    "draft_count", "live_count",
    "resend_expired_confirmation", "suppress_address", "DuplicateList", "SLUG_RE", "UnknownList", "create_list", "lists_by_slug",
    "COUNT_LABELS", "Consent", "FOLLOWUP_KINDS", "ImportFileError", "ImportReport", "InvalidAddress",
    "InvalidCriterion", "KeptReminder", "LinkTarget", "ListError", "NewSubscriber", "PersonError", "REGISTRANT_KINDS",
    "RETENTION_FLAG", "RecordRefused", "SEARCH_LIMIT", "SUPPRESSION_REASON_LABELS", "StillComing", "SuppressionError",
    "add_person", "add_subscriber", "add_suppression", "audience_choices", "audit", "cached_count", "campaigns_using", "clean_name", "confirm_subscription",
    "consent_text", "create_job_from_preview", "create_job_from_upload", "IMPORT_FIELDS", "delete_list", "describe_audience", "describe_history_line",
    "discard_preview", "export_csv", "find_list", "find_subscriber", "forget_old_previews", "import_csv",
    "is_blocked", "is_domain_suppressed", "is_suppressed", "is_unsubscribed", "kept_reminders", "list_growth",
    "load_expired_confirmation", "member_counts", "memberships", "normalise_criterion", "normalise_email", "Mailbox", "address_key", "delivery_address", "parse_mailbox", "shown_address",
    "open_lists", "parse_audience_choice", "preference_lists", "preview_path", "public_lists", "read_preview",
    "remove_suppression", "remove_suppression_hash", "request_subscription", "resolve_preferences",
    "resolve_unsubscribe", "resubscribe", "resubscribe_all", "resume_stale_imports", "scope_lists",
    "search_subscribers", "send_confirmation", "set_list_archived", "set_lists", "set_subscription", "standing_of", "still_coming",
    "start_import", "store_preview", "subscriber_by_uid", "suppress", "suppress_person",
    "suppression_entries", "unsubscribe", "unsubscribe_all", "unsubscribe_from", "unsuppress_person",
    "update_list", "update_person", "update_preferences", "update_profile", "wait_for_import",
]
