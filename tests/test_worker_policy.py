"""The worker's policy is an explicit object, checked when a worker is made, not found missing later."""
from __future__ import annotations

import dataclasses

import pytest

from app.sending.policy import PolicyError, SendingPolicy
from app.sending.worker import Worker, WorkerOptions, run_process, run_processes
from app.services.campaigns import sending_policy


def test_a_worker_without_its_policy_stops_at_once_with_one_line(app):
    with pytest.raises(PolicyError) as missing:
        Worker(app, WorkerOptions())
    assert "\n" not in str(missing.value) and "politique d'envoi" in str(missing.value)
    with pytest.raises(PolicyError):  # before any fork, before any row is claimed
        run_processes(app, 2, WorkerOptions(), True, None)  # type: ignore[arg-type]
    with pytest.raises(PolicyError):
        run_process(app, WorkerOptions(), True, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", ["recipient_refused", "transactional_outcome", "campaign_finished", "campaign_guard"])
def test_a_missing_hook_is_named(app, part):
    broken = dataclasses.replace(sending_policy(), **{part: None})
    with pytest.raises(PolicyError, match=part):
        Worker(app, WorkerOptions(), policy=broken)


def test_the_reminders_check_in_block_needs_its_provider(app):
    policy = sending_policy()
    without = SendingPolicy(policy.recipient_refused, policy.transactional_outcome, policy.campaign_finished,
                            policy.campaign_guard)
    with pytest.raises(PolicyError, match="checkin"):
        Worker(app, WorkerOptions(), policy=without)


def test_the_services_policy_is_complete(app):
    policy = sending_policy()
    policy.check()
    assert Worker(app, WorkerOptions(), policy=policy).policy is policy
