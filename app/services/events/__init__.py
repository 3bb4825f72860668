"""Events: cycles and their journées, registrations, reminders, attendance, certificates and
surveys.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.events.attendance import (
    STATUS_LABELS as ATTENDANCE_STATUS_LABELS,
    AttendanceError,
    CheckInNotOpen,
    HALF_LABELS,
    NotRegisteredForJournee,
    add_signature,
    attendance_report,
    attendance_summary,
    check_in,
    checkin_token,
    current_slot,
    cycle_attendance,
    find_by_short_code,
    hours_label,
    is_registered_for,
    journee_counts,
    journee_participants,
    not_on_list,
    parse_half,
    participants,
    qr_png,
    registration_from_token,
    set_status,
    short_code,
)
from app.services.events.calendar_rules import (
    checkin_closed_reason,
    last_journee,
    local_day,
    moment_label,
    survey_closed_reason,
)
from app.services.events.calendars import add_to_calendar_links, agenda_ics, cycle_venue
from app.services.events.certificates import (
    CertificateError,
    CycleNotOver,
    attendance_sheet_csv,
    attendance_sheet_pdf,
    certificate_filenames,
    certificate_pdf,
    certificates_zip,
    certified,
    close_cycle,
    closure,
    registration_for_certificate,
    save_settings,
    sheet_rows,
)
from app.services.events.cycles import (
    JOURNEE_TEXT_FIELDS,
    CycleError,
    add_journee,
    cycle_summary,
    delete_journee,
    UnknownJournee,
    find_cycle,
    journees_by_number,
    move_journee,
    parse_journee_numbers,
    save_cycle,
    save_journee,
    validate_cycle,
)
from app.services.events.own_registration import Done as RegistrationActionDone, act_on_registration, held_journee_ics
from app.services.events.registration_sources import by_announcement, registrations_from, source_for
from app.services.events.registrations import (
    ACTIVE as ACTIVE_REGISTRATION_STATUSES,
    RegistrationError,
    cancel as cancel_registration,
    change_days,
    confirm_requests,
    find_registration,
    holds_seats,
    journee_label,
    mark_address_confirmed,
    record_walk_in,
    register,
    registrants,
    requested_journees,
    resend_confirmation,
    seats_left,
    upcoming_journees,
)
from app.services.events.reminder_checkin import checkin_personal
from app.services.events.reminders import (
    InvalidReminderRules,
    SUBJECT_LIMIT,
    french_date,
    parse_rules,
    parse_rules_text,
    reminder_subject,
)
from app.services.events.surveys import (
    QUESTIONS as SURVEY_QUESTIONS,
    QUESTION_KEYS as SURVEY_QUESTION_KEYS,
    SurveyError,
    cycle_results,
    find_answer as find_survey_answer,
    parse_scores as parse_survey_scores,
    save_answer,
    send_survey,
    from_token as survey_from_token,
    is_closed as survey_is_closed,
    results_csv as survey_results_csv,
)

__all__ = [
    "ACTIVE_REGISTRATION_STATUSES", "ATTENDANCE_STATUS_LABELS", "AttendanceError", "CertificateError",
    "CheckInNotOpen", "CycleError", "CycleNotOver", "HALF_LABELS", "InvalidReminderRules",
    "JOURNEE_TEXT_FIELDS", "NotRegisteredForJournee", "RegistrationActionDone", "RegistrationError",
    "SUBJECT_LIMIT", "SURVEY_QUESTIONS", "SURVEY_QUESTION_KEYS", "SurveyError", "UnknownJournee",
    "act_on_registration", "add_journee", "add_signature", "add_to_calendar_links", "agenda_ics",
    "attendance_report", "attendance_sheet_csv", "attendance_sheet_pdf", "attendance_summary",
    "by_announcement", "cancel_registration", "certificate_filenames", "certificate_pdf", "certificates_zip",
    "certified", "change_days", "check_in", "checkin_closed_reason", "checkin_personal", "checkin_token",
    "close_cycle", "closure", "confirm_requests", "current_slot", "cycle_attendance", "cycle_results",
    "cycle_summary", "delete_journee", "find_by_short_code", "find_cycle", "find_registration",
    "find_survey_answer", "french_date", "held_journee_ics", "holds_seats", "hours_label",
    "is_registered_for", "journee_counts", "journee_label", "journee_participants", "journees_by_number",
    "last_journee", "local_day", "mark_address_confirmed", "moment_label", "move_journee", "not_on_list",
    "parse_half", "parse_journee_numbers", "parse_rules", "parse_rules_text", "parse_survey_scores",
    "participants", "qr_png", "record_walk_in", "register", "registrants", "registration_for_certificate",
    "registration_from_token", "registrations_from", "reminder_subject", "requested_journees",
    "resend_confirmation", "save_answer", "save_cycle", "save_journee", "save_settings", "seats_left",
    "send_survey", "set_status", "sheet_rows", "short_code", "source_for", "survey_closed_reason",
    "survey_from_token", "survey_is_closed", "survey_results_csv", "upcoming_journees", "validate_cycle",
    "cycle_venue",
]
