"""Campaigns: composition (blocks, templates), preflight, lifecycle (schedule, send, pause,
cancel), one set of figures per campaign, reuse, segments, reports and the dashboard; one-off
messages of the API.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.campaigns.image_blocks import place_images
from app.services.campaigns.archive import (
    ArchiveEntry,
    archive_html,
    archive_rss,
    archived_campaigns,
    set_in_archive,
)
from app.services.campaigns.api_messages import MessageRefused, send_campaign_message
from app.services.campaigns.blocks import BLOCK_TYPES, empty_block, validate_blocks
from app.services.campaigns.composition import (
    EDITABLE as EDITABLE_STATUSES,
    FIELD_LIMITS,
    FILTER_LIMIT,
    MAX_BLOCKS,
    CampaignFields,
    CompositionError,
    append_image,
    create_campaign,
    open_announcement,
    registrants_audience,
    set_click_tracking,
    update_campaign,
)
from app.services.campaigns.clicks import record_click, resolve as resolve_click
from app.services.campaigns.dashboard import (
    active_subscribers,
    activity_totals,
    in_flight,
    needs_attention,
    recent_activity,
    upcoming,
)
from app.services.campaigns.timeline import cycle_timeline
from app.services.campaigns.figures import CampaignFigures, campaign_figures, figures_for, recent_figures
from app.services.campaigns.lifecycle import (
    CampaignStateError,
    GuardNotAcknowledged,
    PreflightFailed,
    STARTABLE as STARTABLE_STATUSES,
    cancel_campaign,
    pause_campaign,
    resume_campaign,
    retry_failed,
    schedule_campaign,
    start_campaign,
)
from app.services.campaigns.outbox import OutboxPage, outbox_page
from app.services.campaigns.preflight import preflight as preflight_campaign, sample_message
from app.services.campaigns.previews import (
    Preview,
    RenderFailed,
    UnknownSubscriber,
    WebVersion,
    WireMessage,
    preview_draft,
    preview_message,
    preview_version,
    read_message,
    web_version,
    wire_message,
)
from app.services.campaigns.reports import build_report, chart_svg
from app.services.campaigns.reuse import (
    ReuseError,
    campaign_from_template,
    delete_template,
    duplicate_campaign,
    duplicate_cycle,
    parse_dates,
    save_as_template,
)
from app.services.campaigns.segments import (
    SegmentError,
    apply as apply_segment,
    delete as delete_segment,
    describe as describe_segment,
    save as save_segment,
    live_count as segment_count,
    write_to_registrants,
)
from app.services.campaigns.test_sends import MAX_TEST_ADDRESSES, TestSendError, send_test, test_reference
from app.services.campaigns.worker_policy import dev_worker, sending_policy
from app.services.campaigns.transactional import last_refusals, message_counts
from app.services.campaigns.watching import follow_progress

__all__ = [
    "place_images", "ArchiveEntry", "archive_html", "archive_rss", "archived_campaigns", "set_in_archive",
    "BLOCK_TYPES", "CampaignFields", "CampaignFigures", "CampaignStateError", "CompositionError",
    "EDITABLE_STATUSES", "FIELD_LIMITS", "FILTER_LIMIT", "GuardNotAcknowledged", "MAX_BLOCKS",
    "MAX_TEST_ADDRESSES", "MessageRefused", "OutboxPage", "PreflightFailed", "Preview", "RenderFailed",
    "ReuseError", "STARTABLE_STATUSES", "SegmentError", "TestSendError", "UnknownSubscriber", "WebVersion",
    "WireMessage", "active_subscribers", "activity_totals", "append_image", "apply_segment", "build_report",
    "campaign_figures", "campaign_from_template", "cancel_campaign", "chart_svg", "create_campaign",
    "cycle_timeline", "delete_segment", "delete_template", "describe_segment", "dev_worker",
    "duplicate_campaign", "duplicate_cycle", "empty_block", "figures_for", "follow_progress", "in_flight",
    "last_refusals", "message_counts", "needs_attention", "open_announcement", "outbox_page", "parse_dates", "pause_campaign",
    "preflight_campaign", "preview_draft", "preview_message", "read_message", "recent_activity",
    "recent_figures", "record_click", "registrants_audience", "resolve_click", "resume_campaign",
    "retry_failed", "sample_message", "save_as_template", "save_segment", "schedule_campaign",
    "segment_count", "send_campaign_message", "send_test", "sending_policy", "set_click_tracking",
    "start_campaign", "test_reference", "upcoming", "update_campaign", "validate_blocks", "web_version",
    "wire_message", "write_to_registrants",
    "preview_version",
]
