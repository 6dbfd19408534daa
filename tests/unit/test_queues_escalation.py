"""Queues: validation, thresholds, business hours and escalation that keeps the place."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from helpline.domain.channels import Channel
from helpline.domain.errors import ValidationFailed
from helpline.domain.queues import BusinessHours, EligibilityRule, EscalationStep, Queue
from helpline.domain.routing import Offer, is_eligible, queue_positions, route

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------
class TestQueueValidation:
    @pytest.mark.parametrize(
        "afters",
        [(60, 60), (120, 60), (0, 30, 30), (30, 90, 10)],
        ids=["equal", "decreasing", "equal-later", "drop-at-end"],
    )
    def test_rejects_non_increasing_steps(self, afters):
        steps = tuple(EscalationStep(after_seconds=s, min_level=1) for s in afters)
        with pytest.raises(ValidationFailed) as exc:
            Queue(id="q", name="Q", skill="billing", escalation=steps)
        assert exc.value.error_id == "validation_failed"

    def test_rejects_negative_step(self):
        with pytest.raises(ValidationFailed):
            Queue(id="q", name="Q", skill="billing", escalation=(EscalationStep(-1),))

    def test_accepts_strictly_increasing_steps_from_zero(self):
        steps = (EscalationStep(0), EscalationStep(1), EscalationStep(600))
        assert Queue(id="q", name="Q", skill="billing", escalation=steps).escalation == steps

    @pytest.mark.parametrize("level", [-1, 101])
    def test_rejects_min_level_out_of_range(self, level):
        with pytest.raises(ValidationFailed) as exc:
            Queue(id="q", name="Q", skill="billing", min_level=level)
        assert exc.value.error_id == "validation_failed"

    @pytest.mark.parametrize("level", [0, 100])
    def test_min_level_bounds_inclusive(self, level):
        assert Queue(id="q", name="Q", skill="billing", min_level=level).min_level == level

    @pytest.mark.parametrize("timeout", [0, -5])
    def test_rejects_non_positive_offer_timeout(self, timeout):
        with pytest.raises(ValidationFailed):
            Queue(id="q", name="Q", skill="billing", offer_timeout_seconds=timeout)


class TestThresholdsAndHours:
    def test_default_thresholds_per_channel(self, make_queue):
        queue = make_queue()
        assert queue.threshold_seconds(Channel.CALL) == 180
        assert queue.threshold_seconds(Channel.CHAT) == 30
        assert queue.threshold_seconds(Channel.EMAIL) == 4 * 3600

    def test_queue_threshold_overrides_only_its_channel(self, make_queue):
        queue = make_queue(sl_threshold_seconds={Channel.CALL: 20})
        assert queue.threshold_seconds(Channel.CALL) == 20
        assert queue.threshold_seconds(Channel.CHAT) == 30

    def test_business_hours_same_day(self):
        hours = BusinessHours(opens=time(8), closes=time(18), weekdays=frozenset(range(5)))
        # 2026-11-23 is a Monday, 2026-11-22 a Sunday.
        assert hours.is_open(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) is True
        assert hours.is_open(datetime(2026, 11, 23, 17, 59, tzinfo=UTC)) is True
        assert hours.is_open(datetime(2026, 11, 23, 18, 0, tzinfo=UTC)) is False  # closes
        assert hours.is_open(datetime(2026, 11, 23, 7, 59, tzinfo=UTC)) is False
        assert hours.is_open(datetime(2026, 11, 22, 12, 0, tzinfo=UTC)) is False  # Sunday

    def test_business_hours_across_midnight_in_local_offset(self):
        hours = BusinessHours(opens=time(22), closes=time(6))
        plus2 = timezone(timedelta(hours=2))
        assert hours.is_open(datetime(2026, 11, 23, 23, 30, tzinfo=plus2)) is True
        assert hours.is_open(datetime(2026, 11, 23, 5, 59, tzinfo=plus2)) is True
        assert hours.is_open(datetime(2026, 11, 23, 6, 0, tzinfo=plus2)) is False
        assert hours.is_open(datetime(2026, 11, 23, 12, 0, tzinfo=plus2)) is False


# --------------------------------------------------------------------------------------
# The rule in force after some waiting
# --------------------------------------------------------------------------------------
class TestRuleAfter:
    QUEUE = Queue(
        id="q", name="Q", skill="billing", min_level=50,
        escalation=(
            EscalationStep(after_seconds=60, min_level=30),
            EscalationStep(after_seconds=120, extra_skills=("expert",)),
            EscalationStep(after_seconds=300, min_level=10, any_language=True),
        ),
    )

    @pytest.mark.parametrize(
        ("waited", "expected"),
        [
            (0, EligibilityRule(("billing",), 50, False)),
            (59.9, EligibilityRule(("billing",), 50, False)),
            (60, EligibilityRule(("billing",), 30, False)),  # step applies at exactly 60 s
            (119, EligibilityRule(("billing",), 30, False)),
            (120, EligibilityRule(("billing", "expert"), 30, False)),
            (299, EligibilityRule(("billing", "expert"), 30, False)),
            (300, EligibilityRule(("billing", "expert"), 10, True)),
            (10_000, EligibilityRule(("billing", "expert"), 10, True)),
        ],
    )
    def test_steps_accumulate_over_time(self, waited, expected):
        assert self.QUEUE.rule_after(waited) == expected

    def test_queue_without_language_requirement_starts_any_language(self):
        queue = Queue(id="q", name="Q", skill="billing", require_language=False)
        assert queue.rule_after(0).any_language is True

    def test_extra_skill_already_present_is_not_duplicated(self):
        queue = Queue(id="q", name="Q", skill="billing",
                      escalation=(EscalationStep(10, extra_skills=("billing", "expert")),))
        assert queue.rule_after(10).skills == ("billing", "expert")

    def test_admits(self):
        rule = EligibilityRule(skills=("billing", "expert"), min_level=30, any_language=False)
        en = frozenset({"en"})
        assert rule.admits({"expert": 30}, en, "en") is True  # any listed skill suffices
        assert rule.admits({"billing": 29}, en, "en") is False
        assert rule.admits({"billing": 80}, en, "de") is False
        assert rule.admits({"billing": 80}, en, "") is True  # no language requested


# --------------------------------------------------------------------------------------
# Escalation widens eligibility only after the step's time
# --------------------------------------------------------------------------------------
class TestEscalationWidening:
    def test_min_level_lowered_after_step(self, make_contact, make_agent, make_queue, by_id):
        queues = by_id(make_queue(min_level=50,
                                  escalation=(EscalationStep(60, min_level=20),)))
        junior = make_agent("junior", skills={"billing": 30})
        contact = make_contact("c1", at=T0)
        # 30 < 50 before the step; 30 >= 20 from 60 s on.
        assert route([contact], [junior], queues, T0 + seconds(59)) == []
        assert route([contact], [junior], queues, T0 + seconds(60)) == [
            Offer("c1", "junior", "q")
        ]

    def test_expert_line_joins_after_step(self, make_contact, make_agent, make_queue, by_id):
        queues = by_id(make_queue(escalation=(EscalationStep(120, extra_skills=("expert",)),)))
        expert = make_agent("expert", skills={"expert": 80})  # no billing skill at all
        contact = make_contact("c1", at=T0)
        assert route([contact], [expert], queues, T0 + seconds(119)) == []
        assert route([contact], [expert], queues, T0 + seconds(120)) == [
            Offer("c1", "expert", "q")
        ]

    def test_extra_skill_still_needs_the_min_level(
        self, make_contact, make_agent, make_queue, by_id
    ):
        queues = by_id(make_queue(min_level=40,
                                  escalation=(EscalationStep(120, extra_skills=("expert",)),)))
        weak_expert = make_agent("weak", skills={"expert": 39})
        contact = make_contact("c1", at=T0)
        assert route([contact], [weak_expert], queues, T0 + seconds(600)) == []

    def test_any_language_after_step(self, make_contact, make_agent, make_queue, by_id):
        queues = by_id(make_queue(escalation=(EscalationStep(300, any_language=True),)))
        english_only = make_agent("en", languages=("en",))
        contact = make_contact("c1", at=T0, language="fr")
        assert route([contact], [english_only], queues, T0 + seconds(299)) == []
        assert route([contact], [english_only], queues, T0 + seconds(300)) == [
            Offer("c1", "en", "q")
        ]

    def test_escalation_counts_time_in_current_queue(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # Enqueued at T0, transferred into "tech" at T0+600 s: the 60 s step of "tech"
        # applies from T0+660 s, not from T0+60 s.
        queues = by_id(
            make_queue("billing"),
            make_queue("tech", skill="tech", min_level=50,
                       escalation=(EscalationStep(60, min_level=10),)),
        )
        contact = make_contact("c1", at=T0, queue_id="billing")
        contact.offer("b1", T0 + seconds(5), 20)
        contact.accept("b1", T0 + seconds(6))
        contact.transfer_to_queue("b1", "tech", T0 + seconds(600))
        junior = make_agent("junior", skills={"tech": 20})
        assert route([contact], [junior], queues, T0 + seconds(659)) == []
        assert route([contact], [junior], queues, T0 + seconds(660)) == [
            Offer("c1", "junior", "tech")
        ]

    def test_is_eligible_follows_the_step(self, make_contact, make_agent, make_queue):
        queue = make_queue(min_level=50, escalation=(EscalationStep(60, min_level=20),))
        junior = make_agent("junior", skills={"billing": 30})
        contact = make_contact("c1", at=T0)
        assert is_eligible(junior, contact, queue, T0 + seconds(10)) is False
        assert is_eligible(junior, contact, queue, T0 + seconds(61)) is True


# --------------------------------------------------------------------------------------
# Escalation keeps the place in line
# --------------------------------------------------------------------------------------
class TestEscalationKeepsPlace:
    def test_escalated_contact_ahead_of_newer_contacts(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # English-only agent, one call slot.  "old" (fr) arrived at T0 and becomes
        # eligible at T0+60 s via any_language; "new" (en) arrived at T0+30 s.
        queues = by_id(make_queue(escalation=(EscalationStep(60, any_language=True),)))
        agent = make_agent("a", languages=("en",))
        old = make_contact("old", at=T0, channel=Channel.CALL, language="fr")
        new = make_contact("new", at=T0 + seconds(30), channel=Channel.CALL, language="en")
        # Before the step only "new" fits the agent.
        assert route([old, new], [agent], queues, T0 + seconds(45)) == [
            Offer("new", "a", "q")
        ]
        # After the step "old" is eligible and ahead by its original enqueue time.
        assert route([new, old], [agent], queues, T0 + seconds(90)) == [
            Offer("old", "a", "q")
        ]

    def test_escalated_contact_ahead_of_newer_contacts_of_other_queues(
        self, make_contact, make_agent, make_queue, by_id
    ):
        queues = by_id(
            make_queue("hard", min_level=50, escalation=(EscalationStep(60, min_level=20),)),
            make_queue("easy", min_level=1),
        )
        junior = make_agent("junior", skills={"billing": 20})
        old = make_contact("old", at=T0, channel=Channel.CALL, queue_id="hard")
        new = make_contact("new", at=T0 + seconds(30), channel=Channel.CALL, queue_id="easy")
        assert route([old, new], [junior], queues, T0 + seconds(45)) == [
            Offer("new", "junior", "easy")
        ]
        assert route([old, new], [junior], queues, T0 + seconds(61)) == [
            Offer("old", "junior", "hard")
        ]

    def test_escalation_does_not_jump_higher_priority(
        self, make_contact, make_agent, make_queue, by_id
    ):
        # Ordering never looks at escalation: a newer premium contact stays ahead.
        queues = by_id(make_queue(escalation=(EscalationStep(60, any_language=True),)))
        agent = make_agent("a", languages=("en",))
        old = make_contact("old", at=T0, channel=Channel.CALL, language="fr")
        vip = make_contact("vip", at=T0 + seconds(80), channel=Channel.CALL,
                           segment="premium")
        assert route([old, vip], [agent], queues, T0 + seconds(90)) == [
            Offer("vip", "a", "q")
        ]

    def test_positions_do_not_change_with_escalation(self, make_contact):
        old = make_contact("old", at=T0, language="fr")
        new = make_contact("new", at=T0 + seconds(30))
        # queue_positions has no clock at all: same answer before and after any step.
        assert queue_positions([new, old]) == {"old": 1, "new": 2}
        assert old.enqueued_at == T0
