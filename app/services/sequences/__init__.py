"""Sequences: welcome series, relances before a cycle, follow-ups after it, sent by themselves, once.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).

- Definitions: :func:`load_sequence` (create or update from the file's JSON, commits),
  :func:`parse_sequence` (check only), :func:`sequence_by_name`, :func:`all_sequences`,
  :func:`set_paused`; the file's vocabulary in ``TRIGGERS``, ``CONDITIONS``, ``EXITS``.
- Engine: :func:`tick` (the scheduler's pass), :func:`enrol_address` (the API's: a name and an address, commits), :func:`enrol` (a name and a
  subscriber id, commits),
  :func:`enrol_subscriber` (any sequence, does not commit).
- Figures: :func:`sequence_counts`, :func:`sequence_summary`, :func:`person_sequences`.
- Ready-made files: :func:`example_files` (``examples/*.json``); :func:`ready_made` and
  :func:`create_from_example` (the admin's "create from a ready-made sequence", paused).

The events that trigger enrolments are recorded by the audience and events services with
``app.models.record_event`` (in the transaction of the change), not through this surface:
those domains sit below this one.
"""

from app.services.sequences.definitions import (
    CONDITIONS,
    EXITS,
    STEP_MARKER,
    TRIGGERS,
    SequenceError,
    SequenceNotFound,
    all_sequences,
    by_name as sequence_by_name,
    load as load_sequence,
    parse as parse_sequence,
    set_paused,
)
from app.services.sequences.engine import (
    TickReport,
    UnknownAddress,
    due_statement,
    enrol,
    enrol_address,
    find_due,
    enrol_subscriber,
    tick,
)
from app.services.sequences.figures import counts as sequence_counts, person_sequences, summary as sequence_summary
from app.services.sequences.starters import ReadyMade, create_from_example, example_files, ready_made
from app.services.sequences.timing import TimingError, fit as fit_window, format_delay, parse_delay, parse_window

__all__ = [
    "CONDITIONS", "EXITS", "STEP_MARKER", "TRIGGERS", "ReadyMade", "SequenceError", "SequenceNotFound", "TickReport",
    "TimingError", "UnknownAddress", "all_sequences", "create_from_example", "due_statement", "enrol", "enrol_address",
    "enrol_subscriber", "example_files", "find_due", "fit_window", "format_delay", "load_sequence", "parse_delay",
    "parse_sequence", "parse_window", "person_sequences", "ready_made", "sequence_by_name", "sequence_counts",
    "sequence_summary", "set_paused", "tick",
]
