#!/usr/bin/env python3
"""The soak's checks of platform limits, refusals, agents' pauses, late
parcels and the buyer's daytime (tests/soak/soak.py: orders_over,
asked_out_of_turn, after_store_refusal, published_ahead, with_agent,
told_while_with_agent, handed_back_stuck, paid_against_decisions,
held_by_late_parcel, outside_daytime) on orders made up here: what they let through and what
they report, on the shipped configs/platforms/. No fleet is started.

    tests/soak/test_checks.py
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402


def sent(order, case, *kinds, platform="amazon",
         at="2026-12-01T10:00:00.000Z"):
    """The actions case (of order) published, one per kind, created at."""
    return [{"kind": k, "platform": platform, "store_id": "s-1",
             "order_id": order, "case_id": case, "created_at": at}
            for k in kinds]


class PlatformRules(unittest.TestCase):
    def setUp(self):
        self.rules = soak.platform_rules()

    def test_amazon_seller_feedback_has_its_own_limits(self):
        kinds = self.rules["amazon"].kinds
        self.assertEqual(kinds["product_review"], (1, 0, False, "never"))
        self.assertEqual(kinds["seller_feedback"],
                         (2, 1, False, "after_resolution"))

    def test_seller_feedback_defaults_to_product_review(self):
        for platform, (kinds, _) in self.rules.items():
            if platform != "amazon":
                self.assertEqual(kinds["seller_feedback"],
                                 kinds["product_review"], platform)


class OrdersOver(unittest.TestCase):
    # The cases' records: a product review's names no kind.
    CASES = {"cs-p": {}, "cs-p2": {"review_kind": "product_review"},
             "cs-f": {"review_kind": "seller_feedback"}}

    def over(self, *acts):
        flat = [a for group in acts for a in group]
        return soak.orders_over(flat, self.CASES, soak.platform_rules())

    def test_within_each_kinds_limits(self):
        self.assertEqual(self.over(
            sent("o-1", "cs-p", "outreach.first_contact"),
            sent("o-2", "cs-f", "outreach.first_contact",
                 "outreach.modification_guide")), [])

    def test_a_product_review_past_amazons_one_message(self):
        over = self.over(sent("o-1", "cs-p", "outreach.first_contact",
                              "outreach.follow_up"))
        self.assertEqual(len(over), 1)
        self.assertIn("amazon/s-1/o-1", over[0])
        self.assertIn("product_review: 2 messages", over[0])

    def test_two_product_reviews_of_one_order_count_together(self):
        self.assertEqual(len(self.over(
            sent("o-1", "cs-p", "outreach.first_contact"),
            sent("o-1", "cs-p2", "outreach.first_contact"))), 1)

    def test_seller_feedback_past_its_limits(self):
        self.assertEqual(len(self.over(sent(
            "o-1", "cs-f", "outreach.first_contact", "outreach.follow_up",
            "outreach.nudge"))), 1)
        self.assertEqual(len(self.over(sent(
            "o-1", "cs-f", "outreach.modification_guide",
            "outreach.modification_guide"))), 1)

    def test_an_order_within_the_largest_limits_of_its_kinds(self):
        # The product review's message first, then the feedback's: the
        # feedback's step counted 1 of its 2.
        self.assertEqual(self.over(
            sent("o-1", "cs-p", "outreach.first_contact"),
            sent("o-1", "cs-f", "outreach.modification_guide")), [])
        # Three in all: whichever came last counted 2 of its kind's 2.
        over = self.over(
            sent("o-1", "cs-p", "outreach.first_contact"),
            sent("o-1", "cs-f", "outreach.first_contact",
                 "outreach.follow_up"))
        self.assertEqual(len(over), 1)
        self.assertIn("seller_feedback: 2 messages", over[0])

    def test_an_incentive_asks_to_change_the_review(self):
        self.assertEqual(len(self.over(sent(
            "o-1", "cs-p", "outreach.incentive"))), 1)

    def test_unlimited_and_unknown_platforms(self):
        self.assertEqual(self.over(
            sent("o-1", "cs-p", *(["outreach.nudge"] * 9),
                 platform="aliexpress"),
            sent("o-3", "cs-p", *(["outreach.nudge"] * 9), platform="x"),
            sent("o-2", "cs-p", "reply.public", "appeal.file",
                 "staff.review")), [])


class AskedOutOfTurn(unittest.TestCase):
    AGREED = soak.rfc3339_ms("2026-12-01T09:00:00.000Z")

    def asked(self, cases, *acts):
        flat = [a for group in acts for a in group]
        return soak.asked_out_of_turn(flat, cases, soak.platform_rules())

    def test_seller_feedback_once_the_buyer_agreed(self):
        cases = {"cs-f": {"review_kind": "seller_feedback", "agreed": "1",
                          "agreed_at_ms": str(self.AGREED)}}
        self.assertEqual(self.asked(cases, sent(
            "o-1", "cs-f", "outreach.modification_guide")), [])
        early = self.asked(cases, sent(
            "o-1", "cs-f", "outreach.modification_guide",
            at="2026-12-01T08:59:59.999Z"))
        self.assertEqual(len(early), 1)
        self.assertIn("after_resolution, agreed at", early[0])

    def test_seller_feedback_before_any_agreement(self):
        cases = {"cs-f": {"review_kind": "seller_feedback"}}
        early = self.asked(cases, sent("o-1", "cs-f", "outreach.nudge"))
        self.assertEqual(len(early), 1)
        self.assertIn("never agreed", early[0])

    def test_never_an_amazon_product_review(self):
        cases = {"cs-p": {"agreed": "1", "agreed_at_ms": str(self.AGREED)}}
        early = self.asked(cases, sent("o-1", "cs-p", "outreach.incentive"))
        self.assertEqual(len(early), 1)
        self.assertIn("amazon product_review cs-p", early[0])

    def test_where_asking_is_allowed_or_not_an_ask(self):
        self.assertEqual(self.asked(
            {}, sent("o-1", "cs-p", "outreach.nudge", platform="ebay"),
            sent("o-2", "cs-p", "outreach.first_contact",
                 "outreach.follow_up")), [])


class AfterStoreRefusal(unittest.TestCase):
    REFUSED = soak.rfc3339_ms("2026-12-01T09:00:00.000Z")
    MEMORY = 30 * soak.DAY_MS

    def case(self, review_at, **more):
        d = {"platform": "amazon", "buyer_id": "b-1", "store_id": "s-1",
             "review_at_ms": str(review_at)}
        d.update(more)
        return d

    def told(self, cases, *acts, refusals=None):
        flat = [a for group in acts for a in group]
        return soak.after_store_refusal(
            flat, cases, {("amazon", "b-1", "s-1"): self.REFUSED}
            if refusals is None else refusals, self.MEMORY)

    def test_every_case_of_the_buyer_in_the_store(self):
        cases = {"cs-1": self.case(self.REFUSED - soak.DAY_MS),
                 "cs-2": self.case(self.REFUSED - 2 * soak.DAY_MS)}
        told, reached = self.told(
            cases, sent("o-1", "cs-1", "outreach.first_contact",
                        at="2026-12-01T08:00:00.000Z"),
            sent("o-2", "cs-2", "outreach.follow_up",
                 at="2026-12-08T09:00:00.000Z"))
        self.assertEqual(reached, 2)
        self.assertEqual(len(told), 1)
        self.assertIn("cs-2 outreach.follow_up", told[0])

    def test_what_the_refusal_does_not_reach(self):
        late = "2026-12-20T09:00:00.000Z"
        cases = {
            # the review came over refusal_memory after the refusal
            "cs-1": self.case(self.REFUSED + 31 * soak.DAY_MS),
            # the buyer agreed on this case after refusing the store
            "cs-2": self.case(self.REFUSED - soak.DAY_MS, agreed="1",
                              agreed_at_ms=str(self.REFUSED + 1)),
            # another store's case, and another platform's
            "cs-3": self.case(self.REFUSED, store_id="s-2"),
            "cs-4": self.case(self.REFUSED, platform="ebay")}
        told, reached = self.told(cases, *(
            sent("o-%d" % i, "cs-%d" % i, "outreach.nudge", at=late)
            for i in range(1, 5)))
        self.assertEqual((told, reached), ([], 0))
        told, reached = self.told(
            cases, sent("o-1", "cs-2", "outreach.nudge", at=late),
            refusals={})
        self.assertEqual((told, reached), ([], 0))

    def test_an_agreement_written_before_the_refusal(self):
        # applied after the refusal (the fleet read it late), written
        # before it: the refusal still reaches the case
        late = "2026-12-20T09:00:00.000Z"
        cases = {"cs-1": self.case(self.REFUSED - soak.DAY_MS, agreed="1",
                                   agreed_at_ms=str(self.REFUSED + 1000),
                                   agreed_sent_at_ms=str(self.REFUSED - 1))}
        told, reached = self.told(
            cases, sent("o-1", "cs-1", "outreach.nudge", at=late))
        self.assertEqual(reached, 1)
        self.assertEqual(len(told), 1)
        self.assertIn("cs-1 outreach.nudge", told[0])

    def test_replies_and_appeals_are_not_outreach(self):
        cases = {"cs-1": self.case(self.REFUSED)}
        told, reached = self.told(cases, sent(
            "o-1", "cs-1", "reply.public", "appeal.file", "staff.review",
            at="2026-12-20T09:00:00.000Z"))
        self.assertEqual((told, reached), ([], 1))


class StoreRefusals(unittest.TestCase):
    """The buyers' records as the soak reads them back from Redis."""

    class Redis:
        def __init__(self, hashes):
            self.hashes = hashes

        def scan_iter(self, pattern, count=None):
            return iter(self.hashes)

        def hgetall(self, key):
            return self.hashes[key]

    def test_ids_with_colons_come_back_whole(self):
        r = self.Redis({
            b"redress:{b:taobao:b%3A1}": {b"refused_at_ms:aud:x": b"5",
                                          b"case_id": b"cs_1"},
            b"redress:{b:taobao:b%253A%7D}": {b"refused_at_ms:aud": b"6"},
            b"redress:{b:taobao:b-2}:tags": {}})
        self.assertEqual(soak.store_refusals(r), {
            ("taobao", "b:1", "aud:x"): 5,
            ("taobao", "b%3A}", "aud"): 6})


class PublishedAhead(unittest.TestCase):
    OPENED = "2026-12-01T09:00:00.000Z"
    AGREED = "2026-12-02T14:30:00.000Z"  # 22:30 in Shanghai

    def ahead(self, created, due, kind="outreach.first_contact"):
        acts = sent("o-1", "cs-1", kind, at=created)
        acts[0]["due_at"] = due
        return soak.published_ahead(acts)

    def test_published_only_when_due(self):
        self.assertEqual(self.ahead(self.OPENED, self.OPENED), [])
        ahead = self.ahead(self.OPENED, "2026-12-01T09:00:00.001Z")
        self.assertEqual(len(ahead), 1)
        self.assertIn("cs-1 outreach.first_contact due "
                      "2026-12-01T09:00:00.001Z", ahead[0])
        # a timer that fired late, at night, is held again: published
        # ahead, it is reported whatever the step
        for kind in ("outreach.first_contact", "outreach.follow_up",
                     "outreach.nudge", "outreach.incentive"):
            self.assertEqual(len(self.ahead("2026-12-02T15:00:00.000Z",
                                            "2026-12-03T01:00:00.000Z",
                                            kind)), 1, kind)
        # late, but in the buyer's hours: due when published
        self.assertEqual(self.ahead("2026-12-03T02:00:00.000Z",
                                    "2026-12-03T02:00:00.000Z",
                                    "outreach.follow_up"), [])

    def test_a_guide_only_when_due(self):
        guide = "outreach.modification_guide"
        self.assertEqual(self.ahead(self.AGREED, self.AGREED, guide), [])
        ahead = self.ahead(self.AGREED, "2026-12-03T01:00:00.000Z", guide)
        self.assertEqual(len(ahead), 1)
        self.assertEqual(self.ahead("2026-12-03T01:00:00.000Z",
                                    "2026-12-03T01:00:00.000Z", guide), [])

    def test_a_notice_is_published_ahead(self):
        self.assertEqual(self.ahead(self.AGREED, "2026-12-03T01:00:00.000Z",
                                    "notice.shipped"), [])


def step(order, case, kind, name, at, due=None):
    """One action of case (of order) for a step of the cadence."""
    x = sent(order, case, kind, at=at)[0]
    x["action_id"] = "%s:%s:1" % (case, name)
    if due:
        x["due_at"] = due
    return x


class HeldByLateParcel(unittest.TestCase):
    LATE = "2026-12-05T06:00:00.000Z"

    def notice(self, order, at=LATE):
        x = sent(order, None, "notice.logistics_delay", at=at)[0]
        del x["case_id"]
        x["shipment_id"] = "sh_" + order
        x["action_id"] = "sh_%s:delay:1" % order
        return x

    def case(self, order, **more):
        d = {"platform": "amazon", "store_id": "s-1", "order_id": order,
             "state": "outreach", "ship_paused": "1"}
        d.update(more)
        return d

    def test_every_case_of_the_order_paused_and_quiet(self):
        cases = {"cs-1": self.case("o-1"), "cs-2": self.case("o-1"),
                 "cs-3": self.case("o-2", ship_paused="0")}
        told, unpaused, n = soak.held_by_late_parcel([
            self.notice("o-1"),
            step("o-1", "cs-1", "outreach.first_contact", "first_contact",
                 "2026-12-01T10:00:00.000Z"),
            # the guide answers the buyer's agreement: not held
            step("o-1", "cs-2", "outreach.modification_guide",
                 "modification_guide", "2026-12-06T10:00:00.000Z"),
            # another order's case, its parcel on time
            step("o-2", "cs-3", "outreach.follow_up", "follow_up",
                 "2026-12-08T10:00:00.000Z")], cases)
        self.assertEqual((told, unpaused, n), ([], [], 2))

    def test_a_step_after_the_parcel_was_late(self):
        cases = {"cs-1": self.case("o-1"), "cs-2": self.case("o-1")}
        late_again = self.notice("o-1", at="2026-12-08T06:00:00.000Z")
        for name, kind in (("follow_up", "outreach.follow_up"),
                           ("nudge", "outreach.nudge"),
                           ("modification_reminder",
                            "outreach.modification_guide")):
            told, _, _ = soak.held_by_late_parcel([
                late_again, self.notice("o-1"),
                step("o-1", "cs-2", kind, name, "2026-12-05T12:00:00.000Z")],
                cases)
            self.assertEqual(len(told), 1, name)
            self.assertIn("cs-2 %s at 2026-12-05T12:00" % name, told[0])
        # in the same clock step as the notice: either may come first
        told, _, _ = soak.held_by_late_parcel([self.notice("o-1"), step(
            "o-1", "cs-1", "outreach.follow_up", "follow_up", self.LATE)],
            cases)
        self.assertEqual(told, [])

    def test_a_parcel_in_exception_holds_too(self):
        cases = {"cs-1": self.case("o-1", ship_paused="0")}
        x = self.notice("o-1")
        x["kind"] = "notice.exception"
        x["action_id"] = "sh_o-1:exception:1"
        told, unpaused, n = soak.held_by_late_parcel([x, step(
            "o-1", "cs-1", "outreach.first_contact", "first_contact",
            "2026-12-05T12:00:00.000Z")], cases)
        self.assertEqual(n, 1)
        self.assertEqual(len(told), 1)
        self.assertIn("cs-1 first_contact", told[0])
        self.assertEqual(unpaused, ["cs-1 (outreach) not paused"])
        # the order's other notices hold nothing
        x["kind"] = "notice.shipped"
        self.assertEqual(soak.held_by_late_parcel([x], cases), ([], [], 0))

    def test_a_case_of_the_order_left_unpaused(self):
        late = soak.rfc3339_ms(self.LATE)
        cases = {"cs-1": self.case("o-1"),
                 "cs-2": self.case("o-1", ship_paused="0"),
                 # it ended before the parcel was late: nothing to pause
                 "cs-3": self.case("o-1", ship_paused="0", state="closed",
                                   closed_at_ms=str(late - 1)),
                 # it ended after: the pause reached it first
                 "cs-4": self.case("o-1", state="closed",
                                   closed_at_ms=str(late + 1))}
        told, unpaused, n = soak.held_by_late_parcel([self.notice("o-1")],
                                                     cases)
        self.assertEqual((told, n), ([], 3))
        self.assertEqual(unpaused, ["cs-2 (outreach) not paused"])


class OutsideDaytime(unittest.TestCase):
    DAY = (9 * 60, 20 * 60)

    def night(self, x, **case):
        rules = soak.platform_rules()
        return soak.outside_daytime([x], {"cs-1": case}, rules, self.DAY,
                                    "Asia/Shanghai")

    def test_in_the_cases_zone(self):
        # 02:00 UTC: 10:00 in Shanghai, 21:00 in New York (the day before)
        x = step("o-1", "cs-1", "outreach.follow_up", "follow_up",
                 "2026-12-08T02:00:00.000Z", due="2026-12-08T02:00:00.000Z")
        self.assertEqual(self.night(x), [])
        night = self.night(x, zone="America/New_York")
        self.assertEqual(len(night), 1)
        self.assertIn("due 21:00 America/New_York", night[0])

    def test_its_deadline_too(self):
        # due 10:00 in Shanghai; by 20:00 that day closes its day, by 22:30
        # is in the night
        x = step("o-1", "cs-1", "outreach.first_contact", "first_contact",
                 "2026-12-08T02:00:00.000Z", due="2026-12-08T02:00:00.000Z")
        x["deadline_at"] = "2026-12-08T12:00:00.000Z"
        self.assertEqual(self.night(x), [])
        x["deadline_at"] = "2026-12-08T14:30:00.000Z"
        night = self.night(x)
        self.assertEqual(len(night), 1)
        self.assertIn("first_contact deadline 22:29 Asia/Shanghai", night[0])

    def test_before_the_parcel_told_the_zone_the_stores(self):
        learned = str(soak.rfc3339_ms("2026-12-01T03:00:00.000Z"))
        first = step("o-1", "cs-1", "outreach.first_contact",
                     "first_contact", "2026-12-01T02:00:00.000Z",
                     due="2026-12-01T02:00:00.000Z")
        self.assertEqual(self.night(first, zone="America/New_York",
                                    zone_learned_at_ms=learned), [])
        after = dict(first, created_at="2026-12-01T03:00:00.001Z")
        self.assertEqual(len(self.night(after, zone="America/New_York",
                                        zone_learned_at_ms=learned)), 1)
        # At the very instant the zone was learned: before or after it,
        # either zone's day will do (the store's here).
        same = dict(first, created_at="2026-12-01T03:00:00.000Z")
        self.assertEqual(self.night(same, zone="America/New_York",
                                    zone_learned_at_ms=learned), [])
        # In neither zone's day: still night.
        late = dict(same, due_at="2026-12-01T13:00:00.000Z")
        self.assertEqual(len(self.night(late, zone="America/New_York",
                                        zone_learned_at_ms=learned)), 1)


class ToldWhileWithAgent(unittest.TestCase):
    def msg(self, case, kind, state, at):
        return json.dumps({"type": kind, "case_id": case, "state": state,
                           "occurred_at": at}).encode()

    def test_spans_from_the_cases_messages(self):
        t = "2026-12-01T10:00:00.000Z"
        msgs = [self.msg("cs-1", "case.classified", "none", t),
                self.msg("cs-1", "case.opened", "outreach", t),
                self.msg("cs-1", "case.state_changed", "paused", t),
                self.msg("cs-2", "case.opened", "paused", t),
                self.msg("cs-1", "case.state_changed", "outreach",
                         "2026-12-03T10:00:00.000Z"),
                self.msg("cs-2", "case.closed", "closed",
                         "2026-12-31T10:00:00.000Z"),
                self.msg("cs-3", "case.opened", "outreach", t)]
        ms = soak.rfc3339_ms
        self.assertEqual(soak.with_agent(msgs), {
            "cs-1": [(ms(t), ms("2026-12-03T10:00:00.000Z"))],
            "cs-2": [(ms(t), ms("2026-12-31T10:00:00.000Z"))]})
        again = msgs + [self.msg("cs-1", "case.state_changed", "paused",
                                 "2026-12-05T10:00:00.000Z")]
        self.assertEqual(soak.with_agent(again)["cs-1"][1],
                         (ms("2026-12-05T10:00:00.000Z"), None))

    def test_outreach_inside_a_span(self):
        ms = soak.rfc3339_ms
        spans = {"cs-1": [(ms("2026-12-01T10:00:00.000Z"),
                           ms("2026-12-03T10:00:00.000Z"))]}
        # with the decisions that paused and resumed it, and after
        self.assertEqual(soak.told_while_with_agent(
            sent("o-1", "cs-1", "outreach.first_contact",
                 at="2026-12-01T10:00:00.000Z") +
            sent("o-1", "cs-1", "outreach.follow_up",
                 at="2026-12-03T10:00:00.000Z") +
            sent("o-1", "cs-1", "outreach.nudge",
                 at="2026-12-04T10:00:00.000Z") +
            sent("o-1", "cs-1", "staff.review",
                 at="2026-12-02T10:00:00.000Z") +
            sent("o-2", "cs-2", "outreach.nudge",
                 at="2026-12-02T10:00:00.000Z"), spans), [])
        told = soak.told_while_with_agent(sent(
            "o-1", "cs-1", "outreach.follow_up",
            at="2026-12-02T10:00:00.000Z"), spans)
        self.assertEqual(len(told), 1)
        self.assertIn("cs-1 outreach.follow_up at 2026-12-02", told[0])


class HandedBackStuck(unittest.TestCase):
    def test_a_hand_back_ends_the_pause_it_finds(self):
        day = soak.DAY_MS
        spans = {"cs-1": [(0, 6 * 3600 * 1000)],      # resumed at once
                 "cs-2": [(0, 30 * day)],             # waited for case_ttl
                 "cs-3": [(0, None)],                 # still paused
                 "cs-4": [(0, day)]}                  # resumed before it
        hb = [("cs-1", 6 * 3600 * 1000), ("cs-2", 6 * 3600 * 1000),
              ("cs-3", 6 * 3600 * 1000), ("cs-4", 2 * day),
              ("cs-5", 6 * 3600 * 1000)]             # never paused
        stuck, n = soak.handed_back_stuck(hb, spans)
        self.assertEqual(n, 3)
        self.assertEqual(len(stuck), 2)
        self.assertIn("cs-2 handed back at 21600000, paused till %d" %
                      (30 * day), stuck[0])
        self.assertIn("cs-3 handed back", stuck[1])


class PaidAgainstDecisions(unittest.TestCase):
    def test_an_offer_goes_out_only_once_approved(self):
        approved_at = soak.rfc3339_ms("2026-12-09T12:00:00.000Z")
        asks = [step("o-%d" % i, "cs-%d" % i, "staff.review",
                     "offer_approval", "2026-12-09T06:00:00.000Z")
                for i in range(1, 5)]
        offers = [("cs-1", "approved", approved_at),
                  ("cs-2", "refused", approved_at),
                  ("cs-3", "approved", approved_at)]
        paid = [step("o-1", "cs-1", "outreach.incentive", "incentive",
                     "2026-12-09T12:00:00.000Z"),
                # under the agent's limit: no manager asked
                step("o-5", "cs-5", "outreach.incentive", "incentive",
                     "2026-12-09T06:00:00.000Z")]
        self.assertEqual(soak.paid_against_decisions(asks + paid, offers),
                         ([], 1))
        wrong = [step("o-2", "cs-2", "outreach.incentive", "incentive",
                      "2026-12-10T12:00:00.000Z"),
                 step("o-3", "cs-3", "outreach.incentive", "incentive",
                      "2026-12-09T06:00:00.000Z"),
                 step("o-4", "cs-4", "outreach.incentive", "incentive",
                      "2026-12-10T12:00:00.000Z")]
        out, n = soak.paid_against_decisions(asks + wrong, offers)
        self.assertEqual(n, 0)
        self.assertEqual(len(out), 3)
        self.assertIn("cs-2 incentive at 2026-12-10T12:00:00.000Z, offer "
                      "refused", out[0])
        self.assertIn("cs-3 incentive at 2026-12-09T06:00:00.000Z, "
                      "approved at", out[1])
        self.assertIn("cs-4 incentive at 2026-12-10T12:00:00.000Z, offer "
                      "not decided", out[2])

if __name__ == "__main__":
    unittest.main()
