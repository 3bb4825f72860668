"""Campaigns: composition (blocks, templates), preflight, lifecycle (schedule, send, pause,
cancel), reuse, segments, reports and the dashboard; one-off messages of the API.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.campaigns.api_messages import MessageRefused, queue_campaign_message
from app.services.campaigns.blocks import BLOCK_TYPES, empty_block, validate_blocks
from app.services.campaigns.clicks import record_click, resolve as resolve_click
from app.services.campaigns.dashboard import (
    active_subscribers,
    activity_totals,
    in_flight,
    needs_attention,
    recent_activity,
    upcoming,
)
from app.services.campaigns.lifecycle import (
    Progress as CampaignProgress,
    CampaignStateError,
    GuardNotAcknowledged,
    PreflightFailed,
    STARTABLE as STARTABLE_STATUSES,
    progress as campaign_progress,
    cancel_campaign,
    pause_campaign,
    resume_campaign,
    retry_failed,
    schedule_campaign,
    start_campaign,
)
from app.services.campaigns.preflight import preflight as preflight_campaign, sample_message
from app.services.campaigns.reports import build_report, chart_svg
from app.services.campaigns.reuse import (
    ReuseError,
    campaign_from_template,
    duplicate_campaign,
    duplicate_cycle,
    parse_dates,
    save_as_template,
)
from app.services.campaigns.segments import (
    SegmentError,
    apply as apply_segment,
    describe as describe_segment,
    save as save_segment,
    live_count as segment_count,
    write_to_registrants,
)
from app.services.campaigns.transactional import last_refusals, message_counts

__all__ = [
    "BLOCK_TYPES", "CampaignProgress", "CampaignStateError", "GuardNotAcknowledged", "MessageRefused", "PreflightFailed",
    "ReuseError", "STARTABLE_STATUSES", "SegmentError", "active_subscribers", "activity_totals",
    "apply_segment", "build_report", "campaign_from_template", "campaign_progress", "cancel_campaign",
    "chart_svg", "describe_segment", "duplicate_campaign", "duplicate_cycle", "empty_block", "in_flight",
    "last_refusals", "message_counts", "needs_attention", "parse_dates", "pause_campaign", "preflight_campaign",
    "queue_campaign_message", "recent_activity", "record_click", "resolve_click", "resume_campaign",
    "retry_failed", "sample_message", "save_as_template", "save_segment", "schedule_campaign",
    "segment_count", "start_campaign", "upcoming", "validate_blocks", "write_to_registrants",
]
