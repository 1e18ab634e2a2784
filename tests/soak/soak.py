#!/usr/bin/env python3
"""The whole fleet under load while its workers are killed at random, then
checks of what it published (tests/soak/run, tests/soak/README.md)."""
import argparse
import collections
import datetime
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import zoneinfo

import redis
from redis.cluster import RedisCluster
from confluent_kafka import (OFFSET_BEGINNING, Consumer, Producer,
                             TopicPartition)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "bench"))
from bench import (cluster_info_ok, form_cluster, free_port,  # noqa: E402
                   free_port_pairs, tool)
OUT = os.path.join(TOP, "tests", "soak", "out")
WORKERS = ("reviews", "chats", "shipments", "timers")
CONSUMERS = ("reviews", "chats", "shipments")
CLOCK_KEY = "redress:clock:now_ms"
DAY_MS = 86400000
# Kinds a case gets at most once, whatever is replayed (BEHAVIOR.md 2, 3).
ONCE_PER_CASE = ("reply.public", "outreach.first_contact", "appeal.file")
# Where a case may rest once the clock has run past case_ttl: ended, or an
# appeal filed less than appeal_close_after ago, waiting for the platform's
# answer (no appeal.result is published here).
AT_REST = ("resolved", "closed")


def playbook_default(key, absent):
    """configs/playbook.yaml's defaults.<key> as written (absent if not)."""
    with open(os.path.join(TOP, "configs", "playbook.yaml")) as f:
        m = re.search(r"^  %s: *(\S+)" % key, f.read(), re.M)
    return m.group(1) if m else absent


def max_delay_notices():
    return int(playbook_default("max_delay_notices", "3"))


def window_min(spec):
    """(start, end) minutes of the day of a window "HH:MM-HH:MM"."""
    a, b = spec.strip('"').split("-")
    return tuple(int(t[:2]) * 60 + int(t[3:5]) for t in (a, b))


def in_window(w, minute):
    """Whether minute of the day is inside window w (end excluded; a
    window past midnight wraps)."""
    a, b = w
    return a <= minute < b if a <= b else minute >= a or minute < b


def appeal_close_after_ms():
    v = playbook_default("appeal_close_after", "30d")
    assert v.endswith("d"), "appeal_close_after in days: " + v
    return int(v[:-1]) * DAY_MS


def refusal_memory_ms():
    v = playbook_default("refusal_memory", "30d")
    assert v.endswith("d"), "refusal_memory in days: " + v
    return int(v[:-1]) * DAY_MS


# Buyer-facing messages about a review, and those of them that ask to change
# it: what a platform's per-order limits count (workers/domain/policy.c).
REVIEW_MESSAGES = ("outreach.first_contact", "outreach.follow_up",
                   "outreach.incentive", "outreach.nudge",
                   "outreach.modification_guide")
ASKS_MODIFY = ("outreach.incentive", "outreach.nudge",
               "outreach.modification_guide")


KINDS = ("product_review", "seller_feedback")
RULE_KEYS = ("max_review_messages_per_order", "max_modify_requests_per_order",
             "incentives_allowed", "may_ask_modify_review")
# A platform's rules for one kind of review: messages and modify (per-order
# limits, None if unlimited), incentives (allowed), ask (may_ask_modify_review:
# never, always or after_resolution); and a platform's: kinds ({kind:
# KindRules}) and quiet (its quiet hours, (start, end) minutes, or None).
KindRules = collections.namedtuple("KindRules",
                                   "messages modify incentives ask")
Rules = collections.namedtuple("Rules", "kinds quiet")


def case_kind(d):
    """A case record's review kind (absent: a product's)."""
    return d.get("review_kind") or "product_review"


def agreed_at(d):
    """When the fleet applied the buyer's agreement on a case (its
    record), 0 if never."""
    return int(d.get("agreed_at_ms") or 0) if d.get("agreed") == "1" else 0


def agreed_sent_at(d):
    """When the buyer wrote their agreement on a case (its record's
    agreed_sent_at_ms, else agreed_at()), 0 if never."""
    return (int(d.get("agreed_sent_at_ms") or 0) or agreed_at(d)) \
        if d.get("agreed") == "1" else 0


def platform_rules():
    """Per platform, what the checks need of configs/platforms/: {platform:
    Rules}, with KindRules for each review kind of KINDS (seller_feedback's
    keys default to product_review's, as the workers read them)."""
    out = {}
    pdir = os.path.join(TOP, "configs", "platforms")
    for name in sorted(os.listdir(pdir)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(pdir, name)) as f:
            text = f.read()
        kinds = {}
        for kind in KINDS:
            m = re.search(r"^%s:\n((?:[ #].*\n|\n)*)" % kind, text, re.M)
            assert m or kind != "product_review", \
                "%s: no product_review" % name
            sect = m.group(1) if m else ""
            vals = []
            for i, key in enumerate(RULE_KEYS):
                v = re.search(r"^  %s:\s*(?:\{\s*)?value:\s*(\w+)" % key,
                              sect, re.M)
                if not v and kind != "product_review":
                    vals.append(kinds["product_review"][i])
                    continue
                assert v, "%s: no %s under %s" % (name, key, kind)
                v = v.group(1)
                vals.append(v == "true" if i == 2 else v if i == 3 else
                            None if v == "unlimited" else int(v))
            kinds[kind] = KindRules(*vals)
        q = re.search(r'^quiet_hours:\s*(?:\{\s*)?value:\s*"?([\d:]+-[\d:]+)',
                      text, re.M)
        out[name[:-len(".yaml")]] = Rules(
            kinds, window_min(q.group(1)) if q else None)
    return out


def orders_over(acts, cases, rules):
    """The orders whose review messages broke their platform's per-order
    limits, one line each. A case's step counts what every case of its
    order sent (README, "A limit per order"), under the limits of the
    case's kind (cases: {case_id: record}): so each kind's messages stay
    within its own limits, and all of the order's within the largest
    limits of the kinds that sent."""
    per_order = collections.defaultdict(
        lambda: collections.defaultdict(lambda: [0, 0]))
    for x in acts:
        if x["kind"] in REVIEW_MESSAGES:
            n = per_order[(x["platform"], x["store_id"], x["order_id"])][
                case_kind(cases.get(x.get("case_id"), {}))]
            n[0] += 1
            n[1] += x["kind"] in ASKS_MODIFY
    over = []
    for o, by_kind in per_order.items():
        if o[0] not in rules:
            continue
        lims = {k: (rules[o[0]].kinds[k].messages,
                    rules[o[0]].kinds[k].modify) for k in by_kind}
        total = [sum(n[i] for n in by_kind.values()) for i in (0, 1)]
        top = [None if any(l[i] is None for l in lims.values()) else
               max(l[i] for l in lims.values()) for i in (0, 1)]
        bad = any(lim is not None and got > lim
                  for k, n in by_kind.items() for got, lim in zip(n, lims[k]))
        bad = bad or any(lim is not None and got > lim
                         for got, lim in zip(total, top))
        if bad:
            over.append("%s/%s/%s %s" % (o + ("; ".join(
                "%s: %d messages, %d asking to change the review" % (
                    k, n[0], n[1]) for k, n in sorted(by_kind.items())),)))
    return sorted(over)


def asked_out_of_turn(acts, cases, rules):
    """The messages asking to change a review (ASKS_MODIFY) that the
    platform forbids for the case's kind of review (may_ask_modify_review
    never), or allows only once the buyer's problem is solved
    (after_resolution: the buyer agreed, the case's agreed_at_ms, at or
    before the message was created), one line each. cases: {case_id:
    record}."""
    out = []
    for x in acts:
        if x["kind"] not in ASKS_MODIFY or x["platform"] not in rules:
            continue
        c = cases.get(x.get("case_id"), {})
        kind = case_kind(c)
        ask = rules[x["platform"]].kinds[kind].ask
        agreed = agreed_at(c)
        if ask == "never" or (ask == "after_resolution" and not (
                agreed and agreed <= rfc3339_ms(x["created_at"]))):
            out.append("%s %s %s %s at %s (%s%s)" % (
                x["platform"], kind, x.get("case_id"), x["kind"],
                x["created_at"], ask, "" if ask == "never" else
                ", agreed at %d ms" % agreed if agreed else ", never agreed"))
    return sorted(out)


def after_store_refusal(acts, cases, refusals, memory_ms):
    """The outreach created after its buyer told the case's store, in a
    chat naming no order, not to contact them (refusals: {(platform,
    buyer_id, store_id): refused_at_ms}), one line each, and how many
    cases such a refusal reached. A refusal reaches every case of the
    buyer in the store whose review came less than memory_ms after it (or
    before it), unless the buyer agreed on the case after it, by when the
    buyer wrote each (README, "A refusal in a chat that names no
    order")."""
    reached, out = set(), []
    for x in acts:
        c = x.get("case_id")
        d = cases.get(c)
        if not d:
            continue
        at = refusals.get((d.get("platform"), d.get("buyer_id"),
                           d.get("store_id")))
        if not at or at < int(d.get("review_at_ms") or 0) - memory_ms or \
                agreed_sent_at(d) > at:
            continue
        reached.add(c)
        if (x["kind"].startswith("outreach.") and
                rfc3339_ms(x["created_at"]) > at):
            out.append("%s %s at %s, refused %d" % (
                c, x["kind"], x["created_at"], at))
    return sorted(out), len(reached)


def published_ahead(acts):
    """The messages toward the buyer (outreach.*) published before they
    were due, one line each. Out of the buyer's hours a case holds such a
    message on a timer (README, "Outside the buyer's hours"), so that a no
    before then stops it: the first contact of a case opened at night, the
    guide of an agreement at night, and any step whose timer fired late,
    out of the buyer's hours again (as the soak's 6-hour clock steps make
    most). A parcel's notices (notice.*) are published ahead, for the
    sender to hold."""
    return sorted(
        "%s %s due %s, published %s" % (
            x.get("case_id"), x["kind"], x["due_at"], x["created_at"])
        for x in acts
        if x["kind"].startswith("outreach.") and "due_at" in x and
        rfc3339_ms(x["created_at"]) < rfc3339_ms(x["due_at"]))


# The cadence's steps toward the buyer that a late parcel holds until
# delivery (README, section 7: the order's review outreach pauses). The
# guide that answers the buyer's agreement is an answer: not held.
HELD_BY_PARCEL = ("first_contact", "follow_up", "incentive", "nudge",
                  "modification_reminder")


# The notices of a parcel that holds its order's outreach: found late, or
# in exception.
HOLDING_NOTICES = ("notice.logistics_delay", "notice.exception")


def late_orders(acts):
    """{(platform, store_id, order_id): when a parcel of the order first
    held its outreach (ms, the created_at of its first
    notice.logistics_delay or notice.exception)}."""
    late = {}
    for x in acts:
        if x["kind"] in HOLDING_NOTICES:
            k = (x["platform"], x["store_id"], x["order_id"])
            at = rfc3339_ms(x["created_at"])
            late[k] = min(late.get(k, at), at)
    return late


def held_by_late_parcel(acts, cases):
    """A late parcel, or one in exception, pauses every case of its order
    (README, section 7; the soak delivers no parcel after it is late or
    in exception, so none resumes).
    Returns (steps toward the buyer published after the pause, one line
    each; cases open at the pause whose record is not paused by the
    parcel; how many cases were open at a pause)."""
    late = late_orders(acts)
    told = []
    for x in acts:
        k = (x["platform"], x["store_id"], x.get("order_id"))
        if not x["kind"].startswith("outreach.") or k not in late:
            continue
        step = x["action_id"].rsplit(":", 2)[1]
        if step in HELD_BY_PARCEL and rfc3339_ms(x["created_at"]) > late[k]:
            told.append("%s %s at %s, parcel late at %d" % (
                x.get("case_id"), step, x["created_at"], late[k]))
    unpaused, n = [], 0
    for c, d in cases.items():
        k = (d.get("platform"), d.get("store_id"), d.get("order_id"))
        closed = int(d.get("closed_at_ms") or 0)
        if k not in late or (closed and closed <= late[k]):
            continue
        n += 1
        if d.get("ship_paused") != "1":
            unpaused.append("%s (%s) not paused" % (c, d.get("state")))
    return sorted(told), sorted(unpaused), n


def with_agent(case_msgs):
    """{case_id: [(from_ms, to_ms or None)]}: the spans in which a case
    was paused because the buyer wrote and an agent answers (state
    "paused", from the case message that put it there to the next in
    another state; None: to the end), from its messages on
    redress.cases in the order read (a case's are in one partition)."""
    seq = collections.defaultdict(list)
    for i, m in enumerate(case_msgs):
        m = json.loads(m)
        if m.get("type") != "case.classified" and m.get("case_id") and \
                "state" in m:
            seq[m["case_id"]].append((rfc3339_ms(m["occurred_at"]), i,
                                      m["state"]))
    spans = {}
    for c, msgs in seq.items():
        out, start = [], None
        for at, _, state in sorted(msgs):
            if state == "paused" and start is None:
                start = at
            elif state != "paused" and start is not None:
                out.append((start, at))
                start = None
        if start is not None:
            out.append((start, None))
        if out:
            spans[c] = out
    return spans


def told_while_with_agent(acts, spans):
    """Outreach created inside a span of with_agent() (strictly: what
    the decision that paused or resumed the case sent is not), one line
    each. BEHAVIOR.md 2.7: the automatic cadence pauses while an agent
    answers the buyer; the agreement's guide comes with the case's move
    to awaiting_update."""
    out = []
    for x in acts:
        c = x.get("case_id")
        if not x["kind"].startswith("outreach.") or c not in spans:
            continue
        at = rfc3339_ms(x["created_at"])
        for a, b in spans[c]:
            if a < at and (b is None or at < b):
                out.append("%s %s at %s, paused at %d" % (
                    c, x["kind"], x["created_at"], a))
    return sorted(out)


def handed_back_stuck(handbacks, spans, within_ms=DAY_MS):
    """The hand-backs (case_id, when) of cases paused then whose pause
    did not end within within_ms, one line each, and how many found their
    case paused. The agent's staff.resume gives the case back to the
    cadence (README "Staff decisions"): ignored, the case would wait
    until case_ttl."""
    out, n = [], 0
    for c, at in handbacks:
        for a, b in spans.get(c, []):
            # (a pause that ended at the instant: most likely by it)
            if a <= at and (b is None or b >= at):
                n += 1
                if b is None or b - at > within_ms:
                    out.append("%s handed back at %d, paused till %s" % (
                        c, at, b))
    return sorted(out), n


def paid_against_decisions(acts, offers):
    """An offer over the agent's limit goes out only once a manager
    approved it (README "Staff decisions"). Returns (the incentives of
    cases whose offer was refused, not decided, or approved later than
    the incentive was created, one line each; how many incentives
    followed an approval). offers: (case_id, decision, when)."""
    decided = {c: (d, at) for c, d, at in offers}
    asked = {x.get("case_id") for x in acts if x["kind"] == "staff.review"
             and ":offer_approval:" in x.get("action_id", "")}
    out, paid = [], 0
    for x in acts:
        c = x.get("case_id")
        if x["kind"] != "outreach.incentive" or c not in asked:
            continue
        d, at = decided.get(c, (None, 0))
        if d != "approved":
            out.append("%s incentive at %s, offer %s" % (
                c, x["created_at"], d or "not decided"))
        elif rfc3339_ms(x["created_at"]) < at:
            out.append("%s incentive at %s, approved at %d" % (
                c, x["created_at"], at))
        else:
            paid += 1
    return sorted(out), paid


def outside_daytime(acts, cases, rules, day, store_zone):
    """Outreach due, or with a deadline, outside the buyer's daytime
    (window day) or inside the platform's quiet hours, in the case's zone,
    one line each. A
    message published before a parcel told the case its buyer's zone
    (zone_learned_at_ms) kept to the zone that stood in, the store's; one
    published at the same instant (the fleet's clock moves in steps, so a
    review and its parcel's event often share one) may have come before
    or after it, and keeps to either."""
    night = []
    for x in acts:
        if not x["kind"].startswith("outreach.") or "due_at" not in x:
            continue
        d = cases.get(x.get("case_id"), {})
        zones = [d.get("zone") or store_zone]
        learned = int(d.get("zone_learned_at_ms") or 0)
        created = rfc3339_ms(x["created_at"])
        if learned and created < learned:
            zones = [store_zone]
        elif learned and created == learned:
            zones.append(store_zone)
        quiet = rules[x["platform"]].quiet if x["platform"] in rules \
            else None
        # Its deadline too: the last moment it may be carried out, so the
        # one just before it (a deadline at 20:00 closes the day).
        times = [("due", rfc3339_ms(x["due_at"]))]
        if x.get("deadline_at"):
            times.append(("deadline", rfc3339_ms(x["deadline_at"]) - 1))
        for what, ms in times:
            out = []
            for z in zones:
                t = datetime.datetime.fromtimestamp(ms / 1000,
                                                    zoneinfo.ZoneInfo(z))
                minute = t.hour * 60 + t.minute
                if not in_window(day, minute) or (
                        quiet and in_window(quiet, minute)):
                    out.append("%s %s %s %s %s" % (
                        x["case_id"], x["kind"], what,
                        t.strftime("%H:%M"), z))
            if len(out) == len(zones):
                night.append(out[0])
    return sorted(night)


def store_refusals(r):
    """{(platform, buyer_id, store_id): refused_at_ms} of the buyers'
    records (refused_at_ms:<store_id>, written by the chats workers). The
    key holds the platform and buyer id with '%', ':' and '}' escaped
    (workers/domain/keys.h): split at the ':' between them, then
    unescaped."""
    out = {}
    for key in r.scan_iter(b"redress:{b:*}", count=1000):
        if not key.endswith(b"}"):
            continue  # its tags, outbox and other keys
        platform, buyer = (urllib.parse.unquote(part) for part in
                           key[len(b"redress:{b:"):-1].decode().split(":", 1))
        for f, v in r.hgetall(key).items():
            if f.startswith(b"refused_at_ms:"):
                out[(platform, buyer, f[len(b"refused_at_ms:"):].decode())] \
                    = int(v)
    return out


def listed(items, what=""):
    """How many (what), and the first five: a check's detail."""
    return "%d%s%s" % (len(items), " " + what if what else "",
                       (": " + "; ".join(items[:5])) if items else "")


# timers.shards of the configuration the workers run with.
SHARDS = int(os.environ.get("REDRESS_TIMERS_SHARDS", "16"))
# The clock's 6-hour steps take at least this long (60 days: 60 s).
STEP_S = 0.25


def log(msg):
    print("soak: " + msg, file=sys.stderr, flush=True)


class Fleet:
    def __init__(self, a):
        self.a = a
        self.rnd = random.Random(a.seed)
        self.procs = []
        self.workers = {}
        self.kills = 0
        self.restarts = collections.Counter()
        self.next_kill = None
        # Outages have a sequence of their own: --outages leaves the kills'
        # instants and victims as they are without it.
        self.ornd = random.Random(a.seed + 1)
        self.next_outage = None
        self.outages = collections.Counter()
        # The staff's decisions: a sequence of their own too; each
        # hand-back (case_id, the fleet's clock when it was published).
        self.drnd = random.Random(a.seed + 2)
        self.handbacks = []
        self.offers = []  # (case_id, approved or refused, when)
        self.asked = set()
        self.latest_reply = {}  # case_id: its latest buyer_reply attempt

    def spawn(self, name, args, env=None):
        f = open(os.path.join(OUT, "logs", name + ".log"), "ab")
        p = subprocess.Popen(args, stdout=f, stderr=f, env=env)
        f.close()
        self.procs.append(p)
        return p

    def redis_node_args(self, i, port, bus):
        """redis-server's arguments: with --outages an append-only file
        (fsync always) that a restart reads back, as on a production Redis
        that keeps the fleet's state; with --cluster, server i of the
        cluster (bus: its cluster bus port). With --failover no file at
        all: what a killed master held lives on only in its replica."""
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                "--save", ""]
        d = os.path.join(OUT, "redis" if i is None else "redis-%d" % i)
        os.makedirs(d, exist_ok=True)
        if self.a.outages and not self.a.failover:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        if i is not None:
            args += ["--cluster-enabled", "yes", "--cluster-port", str(bus)]
        if self.a.failover:
            args += ["--cluster-node-timeout", "2000"]
        return args + ["--dir", d]

    def up(self):
        if self.a.cluster:
            # With --failover a replica for each master: servers n .. 2n-1.
            ports = free_port_pairs(
                self.a.cluster * (2 if self.a.failover else 1))
            self.redis_args = [self.redis_node_args(i, p, b)
                               for i, (p, b) in enumerate(ports)]
            self.redis_nodes = [self.spawn("redis-%d" % i, args)
                                for i, args in enumerate(self.redis_args)]
            self.node_clients = [redis.Redis(port=p) for p, _ in ports]
            for c in self.node_clients:
                self.wait_answers(c)
            form_cluster(lambda i, *a: self.node_clients[i].execute_command(
                *a), ports[:self.a.cluster])
            for m in range(self.a.cluster if self.a.failover else 0):
                self.add_replica(self.a.cluster + m, m, ports[0])
            self.wait_redis()
            self.r = RedisCluster(host="127.0.0.1", port=ports[0][0])
            url = "redis-cluster://" + ",".join(
                "127.0.0.1:%d" % p for p, _ in ports)
        else:
            rport = free_port()
            self.redis_args = [self.redis_node_args(None, rport, 0)]
            self.redis_nodes = [self.spawn("redis", self.redis_args[0])]
            self.node_clients = [redis.Redis(port=rport)]
            self.r = self.node_clients[0]
            url = "redis://127.0.0.1:%d" % rport
        bf = os.path.join(OUT, "bootstrap")
        self.control = os.path.join(OUT, "control")
        self.broker = self.spawn(
            "devbroker", [os.path.join(self.a.build, "bin",
                                       "redress-devbroker"),
                          "--partitions", "8", "--bootstrap-file", bf,
                          "--control", self.control])
        self.wait_redis()
        for _ in range(100):
            if os.path.exists(bf) and open(bf).read().strip():
                break
            time.sleep(0.1)
        self.boot = open(bf).read().strip()
        self.now = self.start_ms = int(time.time() * 1000)
        self.set_clock()
        self.env = dict(
            os.environ, REDRESS_KAFKA_BOOTSTRAP=self.boot,
            REDRESS_REDIS_URL=url,
            REDRESS_CLOCK_SOURCE="test", REDRESS_KAFKA_FETCH_WAIT_MAX_MS="10",
            # A killed member's partitions move after 6 s, not 45; a killed
            # timers worker's claims are fired again after 3 s.
            REDRESS_KAFKA_SESSION_TIMEOUT_MS="6000",
            REDRESS_KAFKA_HEARTBEAT_INTERVAL_MS="500",
            REDRESS_TIMERS_LEASE="3s",
            REDRESS_CONFIG=self.configs())
        if self.a.failover:
            # A batch is done once a replica holds its writes.
            self.env["REDRESS_REDIS_WAIT_REPLICAS"] = "1"
        for w in WORKERS:
            for i in range(self.a.instances):
                self.start((w, i))
        self.wait_assigned()

    def configs(self):
        """The shipped configs/, but with --agent-limit: the agents' limit
        on an offer (playbook defaults.agent_offer_limit, USD minor
        units) set to it, so that offers go to a manager first. Returns
        its redress.yaml."""
        d = os.path.join(OUT, "configs")
        shutil.copytree(os.path.join(TOP, "configs"), d)
        if self.a.agent_limit:
            p = os.path.join(d, "playbook.yaml")
            with open(p) as f:
                text, n = re.subn(
                    r"^(  agent_offer_limit: \{amount_minor: )\d+(, "
                    r"currency: USD)", r"\g<1>%d\g<2>" % self.a.agent_limit,
                    f.read(), flags=re.M)
            if n != 1:
                raise RuntimeError("configs/playbook.yaml: no defaults "
                                   "agent_offer_limit in USD to lower")
            with open(p, "w") as f:
                f.write(text)
        return os.path.join(d, "redress.yaml")

    def wait_answers(self, c):
        """Until a Redis server answers (loaded its file, if any)."""
        deadline = time.time() + 60
        while True:
            try:
                if c.ping():
                    return
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.time() > deadline:
                    raise RuntimeError("redis did not answer in 60 s "
                                       "(see %s/logs/)" % OUT)
                time.sleep(0.05)

    def cluster_ok(self):
        try:
            return all(cluster_info_ok(
                c.execute_command("CLUSTER", "INFO").decode(),
                len(self.node_clients)) for c in self.node_clients)
        except (redis.ConnectionError, redis.BusyLoadingError):
            return False

    def add_replica(self, i, m, first):
        """Server i joins the cluster (first: a member's port and bus
        port) as the replica of master m, once it is in sync."""
        c, cm = self.node_clients[i], self.node_clients[m]
        c.execute_command("CLUSTER", "MEET", "127.0.0.1", first[0], first[1])
        mid = cm.execute_command("CLUSTER", "MYID").decode()
        deadline = time.time() + 60
        while mid not in c.execute_command("CLUSTER", "NODES").decode():
            if time.time() > deadline:
                raise RuntimeError("server %d does not know master %d" %
                                   (i, m))
            time.sleep(0.05)
        c.execute_command("CLUSTER", "REPLICATE", mid)
        self.wait_in_sync(i)

    def wait_in_sync(self, i):
        """Until server i is a replica whose link to its master is up."""
        deadline = time.time() + 60
        while True:
            try:
                info = self.node_clients[i].info("replication")
                if info.get("role") == "slave" and \
                        info.get("master_link_status") == "up":
                    return
            except (redis.ConnectionError, redis.BusyLoadingError):
                pass
            if time.time() > deadline:
                raise RuntimeError("server %d did not sync as a replica "
                                   "(see %s/logs/)" % (i, OUT))
            time.sleep(0.05)

    def set_clock(self):
        self.r.set(CLOCK_KEY, self.now)
        if self.a.failover:
            # On the replica too: a failover must not turn the clock back.
            node = self.r.get_node_from_key(CLOCK_KEY)
            if self.r.execute_command("WAIT", 1, 5000,
                                      target_nodes=node) < 1:
                raise RuntimeError("the test clock's replica did not take "
                                   "its move in 5 s (see %s/logs/)" % OUT)

    def failover(self):
        """SIGKILL a master whose replica is in sync: the cluster promotes
        the replica (about 4 s with a 2 s node timeout). The killed server
        comes back 0.5-3 s later with nothing (no file) and follows the new
        master. False if no master has its replica in sync yet."""
        masters = []
        for i, c in enumerate(self.node_clients):
            info = c.info("replication")
            rep = info.get("slave0") or {}
            if info.get("role") == "master" and rep.get("state") == "online":
                masters.append((i, self.port_index(rep["port"])))
        if not masters:
            return False
        i, promoted = self.ornd.choice(masters)
        self.redis_nodes[i].send_signal(signal.SIGKILL)
        self.redis_nodes[i].wait()
        deadline = time.time() + 60
        while True:
            try:
                if self.node_clients[promoted].info(
                        "replication").get("role") == "master":
                    break
            except redis.ConnectionError:
                pass
            if time.time() > deadline:
                raise RuntimeError("server %d was not promoted when master "
                                   "%d was killed (see %s/logs/)" %
                                   (promoted, i, OUT))
            time.sleep(0.05)
        time.sleep(self.ornd.uniform(0.5, 3))
        self.redis_nodes[i] = self.spawn("redis-%d" % i, self.redis_args[i])
        self.node_clients[i].connection_pool.disconnect()
        self.wait_answers(self.node_clients[i])
        self.wait_in_sync(i)
        return True

    def port_index(self, port):
        return [int(x[2]) for x in self.redis_args].index(int(port))

    def wait_redis(self):
        """Until every Redis server answers and, with --cluster, says
        cluster_state:ok."""
        for c in self.node_clients:
            self.wait_answers(c)
        deadline = time.time() + 60
        while self.a.cluster and not self.cluster_ok():
            if time.time() > deadline:
                raise RuntimeError("the Redis Cluster is not ok after 60 s "
                                   "(see %s/logs/)" % OUT)
            time.sleep(0.1)

    def start(self, slot):
        self.workers[slot] = self.spawn(
            "%s-%d" % slot, [os.path.join(self.a.build, "bin",
                                          "redress-" + slot[0])], self.env)

    def wait_assigned(self):
        """Every consumer group has a member with partitions (its log)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            ok = all(any('"event":"kafka.assign"' in open(os.path.join(
                OUT, "logs", "%s-%d.log" % (w, i)), errors="replace").read()
                for i in range(self.a.instances)) for w in CONSUMERS)
            if ok:
                return
            time.sleep(0.2)
        raise RuntimeError("the consumers got no partitions in 60 s "
                           "(see %s/logs)" % OUT)

    def broker_alive(self):
        """Raise if the dev broker has exited: nothing would be consumed
        again, and every wait would run to its end."""
        if self.broker.poll() is None:
            return
        with open(os.path.join(OUT, "logs", "devbroker.log"),
                  errors="replace") as f:
            last = (f.read().strip().splitlines() or ["(empty log)"])[-1]
        raise RuntimeError(
            "the dev broker exited (%s): %s (see %s/logs/devbroker.log; "
            "librdkafka 2.0.2's mock cluster aborts on `!member->resp` when a "
            "connection drops during a rebalance: rerun, or use another "
            "--seed)" % (self.broker.returncode, last, OUT))

    def tick(self):
        """Kill one worker and start it again, or have Redis or the broker
        fail for a while, when it is time."""
        self.broker_alive()
        self.outage()
        if self.a.no_kill:
            return
        if self.next_kill is None:
            self.next_kill = time.time() + self.rnd.uniform(1, 4)
        if time.time() < self.next_kill:
            return
        slot = self.rnd.choice(sorted(self.workers))
        p = self.workers[slot]
        if p.poll() is not None:
            raise RuntimeError("%s-%d exited by itself (%s): see %s/logs" %
                               (slot[0], slot[1], p.returncode, OUT))
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.kills += 1
        self.restarts[slot[0]] += 1
        time.sleep(self.rnd.uniform(0, 1.5))
        self.start(slot)
        self.next_kill = time.time() + self.rnd.uniform(1, 4)

    def outage(self):
        """With --outages, every 5-15 s one of: Redis SIGKILLed and started
        again 0.5-3 s later on its append-only file; the broker answering
        0.5-3 s late for 2-6 s; the broker refusing a burst of produce,
        fetch or offset-commit requests with a retriable error; with
        --no-kill, the broker down for 1-4 s (librdkafka's mock cluster
        aborts, rdkafka_mock_cgrp.c `!member->resp`, when a connection drops
        while a group member waits on its JoinGroup or SyncGroup answer,
        which kills keep happening)."""
        if not self.a.outages:
            return
        if self.next_outage is None:
            self.next_outage = time.time() + self.ornd.uniform(5, 15)
        if time.time() < self.next_outage:
            return
        kind = self.ornd.choice(("redis", "slow broker", "broker errors") +
                                (("broker down",) if self.a.no_kill else ()))
        if kind == "redis" and self.a.failover:
            if not self.failover():
                return
            kind = "redis failover"
            for c in self.node_clients:
                c.connection_pool.disconnect()
            self.wait_redis()
            self.r.close()
            self.r = RedisCluster(host="127.0.0.1", port=int(
                self.redis_args[0][2]))
        elif kind == "redis":
            # With --cluster, one of its masters (its slots fail meanwhile).
            i = self.ornd.randrange(len(self.redis_nodes))
            self.redis_nodes[i].send_signal(signal.SIGKILL)
            self.redis_nodes[i].wait()
            time.sleep(self.ornd.uniform(0.5, 3))
            self.redis_nodes[i] = self.spawn(
                "redis-%d" % i if self.a.cluster else "redis",
                self.redis_args[i])
            for c in self.node_clients:
                c.connection_pool.disconnect()
            self.wait_redis()
            if self.a.cluster:
                self.r.close()
                self.r = RedisCluster(host="127.0.0.1", port=int(
                    self.redis_args[0][2]))
        elif kind == "slow broker":
            self.broker_control("rtt 1 %d" % self.ornd.randint(500, 3000))
            time.sleep(self.ornd.uniform(2, 6))
            self.broker_control("rtt 1 0")
        elif kind == "broker down":
            self.broker_control("down 1")
            time.sleep(self.ornd.uniform(1, 4))
            self.broker_control("up 1")
        else:
            # ApiKey and error code (Kafka protocol): NOT_LEADER_OR_FOLLOWER
            # for Produce and Fetch, COORDINATOR_NOT_AVAILABLE for
            # OffsetCommit: clients retry, commits may be lost (replays).
            api, err = self.ornd.choice(((0, 6), (1, 6), (8, 15)))
            self.broker_control("error %d %d %d" % (
                api, err, self.ornd.randint(5, 50)))
            kind += " (%s)" % {0: "produce", 1: "fetch", 8: "commit"}[api]
        self.outages[kind] += 1
        self.next_outage = time.time() + self.ornd.uniform(5, 15)

    def broker_control(self, line):
        with open(self.control, "w") as fifo:
            fifo.write(line + "\n")

    def lag(self, w):
        topics = "redress." + w + (",redress.staff-decisions"
                                   if w == "reviews" else "")
        return tool([os.path.join(self.a.build, "bin", "redress-bareconsumer"),
                     "--lag", "--bootstrap", self.boot, "--group",
                     "redress-" + w, "--topics", topics],
                    timeout=60)["lag"]

    def drain(self, kill=True):
        """Until every consumer group has consumed everything (kills go on
        meanwhile if kill)."""
        deadline = time.time() + 300
        while time.time() < deadline:
            self.broker_alive()
            lags = {w: self.lag(w) for w in CONSUMERS}
            if all(v == 0 for v in lags.values()):
                return lags
            if kill:
                self.tick()
            time.sleep(0.5)
        return lags

    def timers_busy(self, upto):
        pipe = self.r.pipeline()
        for sh in range(SHARDS):
            pipe.zcount("redress:{t:%d}:due" % sh, "-inf", upto)
            pipe.zcard("redress:{t:%d}:lease" % sh)
        return sum(pipe.execute())

    def decide(self, watch, out):
        """The staff: each staff.review published since the last call
        that asks an agent to answer the buyer (<case_id>:buyer_reply:<n>)
        is handed back (staff.resume) with --hand-back's odds; each that
        asks a manager to approve an offer over the agent's limit
        (<case_id>:offer_approval:1) is approved with --approve's, else
        refused (staff.offer_decision). Decided now, at the fleet's clock
        (README "Staff decisions"). Returns how many decisions."""
        at = datetime.datetime.fromtimestamp(
            self.now / 1000, datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (self.now % 1000)
        n = 0
        asked = []
        while True:
            m = watch.poll(0.2)
            if m is None:
                break
            if m.error():
                continue
            x = json.loads(m.value())
            aid = x.get("action_id", "")
            c = x.get("case_id")  # a parcel's staff.review names none
            if x.get("kind") != "staff.review" or not c or aid in self.asked:
                continue
            self.asked.add(aid)
            asked.append(x)
            if ":buyer_reply:" in aid:
                k = int(aid.rsplit(":", 1)[1])
                self.latest_reply[c] = max(self.latest_reply.get(c, 0), k)
        for x in asked:
            aid, c = x["action_id"], x["case_id"]
            d = {"event_id": "soak-decision-" + aid, "platform": x["platform"],
                 "store_id": x["store_id"], "case_id": c, "action_id": aid,
                 "agent_id": "soak-agent", "occurred_at": at}
            if ":buyer_reply:" in aid:
                if self.drnd.random() * 100 >= self.a.hand_back:
                    continue
                d["type"] = "staff.resume"
                # Only the hand-back of the buyer's latest message gives
                # the case back; an earlier one's leaves it to the agent
                # of the latest (README "Staff decisions").
                if int(aid.rsplit(":", 1)[1]) == self.latest_reply[c]:
                    self.handbacks.append((c, self.now))
            elif ":offer_approval:" in aid:
                d["type"] = "staff.offer_decision"
                d["decision"] = "approved" if (
                    self.drnd.random() * 100 < self.a.approve) else "refused"
                self.offers.append((c, d["decision"], self.now))
            else:
                continue
            out.produce("redress.staff-decisions", key="%s/%s" % (
                x["store_id"], c), value=json.dumps(d),
                headers=[("content-type", b"application/json")])
            n += 1
        if out.flush(60):
            raise RuntimeError("staff decisions not delivered in 60 s")
        return n

    def run_clock(self):
        """Ahead a day at a time, in 6 h steps; each step waits until the
        timers due by then are fired and completed (a killed timers worker's
        claims come back after their lease), so that no timer fires days
        late because of the test's own pace. At each step the staff
        decide (decide())."""
        watch = Consumer({"bootstrap.servers": self.boot,
                          "group.id": "soak-staff-%d" % (time.time() * 1e6),
                          "enable.auto.commit": False})
        # Assigned, not subscribed: the dev broker holds a new group's
        # first join for 3 s.
        parts = watch.list_topics("redress.actions", timeout=30).topics[
            "redress.actions"].partitions
        watch.assign([TopicPartition("redress.actions", p, OFFSET_BEGINNING)
                      for p in parts])
        out = Producer({"bootstrap.servers": self.boot,
                        "enable.idempotence": True})
        try:
            return self.steps(watch, out)
        finally:
            watch.close()

    def steps(self, watch, out):
        stuck = 0
        for _ in range(self.a.days * 4):
            self.now += DAY_MS // 4
            self.set_clock()
            # At least STEP_S a step, so that kills land among the firings.
            step_end = time.time() + STEP_S
            deadline = time.time() + 60
            while self.timers_busy(self.now):
                if time.time() >= deadline:
                    stuck += 1
                    break
                self.tick()
                time.sleep(0.05)
            n = self.decide(watch, out)
            if n:
                # Read before the clock moves on, as the events were
                # before it started (kills go on).
                t = time.time()
                while self.lag("reviews") and time.time() < t + 120:
                    self.tick()
                    time.sleep(0.2)
                log("day %.2f: %d staff decisions, read in %.1f s" % (
                    (self.now - self.start_ms) / DAY_MS, n, time.time() - t))
            while time.time() < step_end:
                self.tick()
                time.sleep(0.02)
        return stuck

    def down(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def read_topic(boot, topic):
    """Every message of topic from the start (a group of its own)."""
    c = Consumer({"bootstrap.servers": boot, "auto.offset.reset": "earliest",
                  "group.id": "soak-read-%s-%d" % (topic, time.time() * 1e6),
                  "enable.auto.commit": False})
    c.subscribe([topic])
    msgs, idle = [], time.time()
    while time.time() - idle < 8:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        msgs.append(m.value())
        idle = time.time()
    c.close()
    return msgs


def packed_fields(doc):
    """The fields of a packed case document: a header line, then
    "name=LEN:VALUE\n" with LEN the value's bytes (a value may hold
    newlines), as rdr_case_to_doc writes it."""
    f, pos = {}, doc.index(b"\n") + 1
    while pos < len(doc):
        eq = doc.index(b"=", pos)
        colon = doc.index(b":", eq)
        n = int(doc[eq + 1:colon])
        f[doc[pos:eq].decode()] = doc[colon + 1:colon + 1 + n].decode(
            errors="replace")
        pos = colon + 1 + n + 1
    return f


def case_docs(r):
    """Per case id: the fields of its case hash (either storage format)."""
    cases = {}
    for key in r.scan_iter(b"redress:{c:cs_*}", count=1000):
        if not key.endswith(b"}"):
            continue  # its outbox and dedupe keys
        h = r.hgetall(key)
        f = packed_fields(h[b"case"]) if b"case" in h else {
            k.decode(): v.decode(errors="replace") for k, v in h.items()}
        cases[key[len(b"redress:{c:"):-1].decode()] = f
    return cases


def rfc3339_ms(t):
    """Milliseconds since the epoch of an RFC 3339 time of the contract."""
    return int(datetime.datetime.fromisoformat(
        t.replace("Z", "+00:00")).timestamp() * 1000)


def orders_with_cases(cases):
    """{(platform, store_id, order_id): how many cases}."""
    n = collections.Counter()
    for d in cases.values():
        n[(d.get("platform"), d.get("store_id"), d.get("order_id"))] += 1
    return n


def main():
    ap = argparse.ArgumentParser(prog="tests/soak/run")
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=800)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--multi-item", type=int, default=25)
    ap.add_argument("--chat-follow", type=int, default=50)
    ap.add_argument("--seller-feedback", type=int, default=20)
    ap.add_argument("--ship-reviewed", type=int, default=30)
    ap.add_argument("--reviewed-exceptions", type=int, default=None)
    ap.add_argument("--hand-back", type=int, default=50)
    ap.add_argument("--approve", type=int, default=50)
    ap.add_argument("--agent-limit", type=int, default=250)
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument("--outages", action="store_true")
    ap.add_argument("--cluster", type=int, default=0)
    ap.add_argument("--failover", action="store_true")
    ap.add_argument("--build", required=True)
    a = ap.parse_args()
    if a.events < 1 or a.rate < 1 or a.days < 0 or a.instances < 1:
        ap.error("--events, --rate and --instances want a positive number, "
                 "--days 0 or more")
    if a.cluster and not 2 <= a.cluster <= 8:
        ap.error("--cluster wants 2 to 8 masters")
    if a.failover and not (a.cluster and a.outages):
        ap.error("--failover wants --cluster N and --outages")
    if not all(0 <= v <= 100 for v in (a.multi_item, a.chat_follow,
                                         a.seller_feedback,
                                         a.ship_reviewed, a.hand_back,
                                         a.approve)):
        ap.error("--multi-item, --chat-follow, --seller-feedback, "
                 "--ship-reviewed, --hand-back and --approve want a share, "
                 "0 to 100")
    # On Redis Cluster a review and a parcel exception of one order read at
    # the same instant may still each miss the other (README, "Redis
    # Cluster"): there reviewed parcels get no exception unless asked.
    if a.reviewed_exceptions is None:
        a.reviewed_exceptions = 0 if a.cluster else 30
    if not 0 <= a.reviewed_exceptions <= 100:
        ap.error("--reviewed-exceptions wants a share, 0 to 100")
    if a.agent_limit < 0:
        ap.error("--agent-limit wants 0 (the playbook's) or more")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "logs"))
    t0 = time.time()
    f = Fleet(a)
    try:
        f.up()
        log("fleet up (%d of each worker%s), publishing %d events at "
            "%d/s%s" %
            (a.instances, ", a Redis Cluster of %d masters%s" % (
                a.cluster, " with a replica each, batches waiting for it"
                if a.failover else "") if a.cluster else "",
             a.events, a.rate,
             ("" if a.no_kill else ", a worker killed every 1-4 s") +
             (", Redis or the broker failing every 5-15 s" if a.outages
              else "")))
        lg = subprocess.Popen(
            [os.path.join(a.build, "bin", "redress-loadgen"), "--bootstrap",
             f.boot, "--count", str(a.events), "--rate", str(a.rate),
             "--partitions-aware", "--run-id", "soak%d" % a.seed, "--seed",
             str(a.seed), "--multi-item", str(a.multi_item),
             "--chat-follow", str(a.chat_follow), "--seller-feedback",
             str(a.seller_feedback), "--ship-reviewed",
             str(a.ship_reviewed), "--reviewed-exceptions",
             str(a.reviewed_exceptions)], cwd=TOP,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while lg.poll() is None:
            f.tick()
            time.sleep(0.05)
        out, err = lg.communicate()
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if lg.returncode or not lines:
            raise RuntimeError("redress-loadgen failed: " + err[-500:])
        published = json.loads(lines[-1])
        lags = f.drain()
        log("published %d (%d reviews), consumed: lags %s; %d kills so far" %
            (published["published"], published["reviews"], lags, f.kills))
        stuck = f.run_clock()
        log("clock ran %d days; %d kills in all" % (a.days, f.kills))
        lags = f.drain(kill=False)
        time.sleep(2)  # the last outputs' acknowledgements
        actions = read_topic(f.boot, "redress.actions")
        case_msgs = read_topic(f.boot, "redress.cases")
        dead = read_topic(f.boot, "redress.dlq")
        cases = case_docs(f.r)
        refusals = store_refusals(f.r)
        handbacks, offers = f.handbacks, f.offers
        due_left = f.timers_busy(f.now)
        clock_end = f.now
    finally:
        f.down()

    # What was published.
    by_id = collections.defaultdict(set)
    for v in actions:
        by_id[json.loads(v)["action_id"]].add(v)
    kinds, per_case = collections.Counter(), collections.defaultdict(
        collections.Counter)
    for aid, vals in by_id.items():
        x = json.loads(next(iter(vals)))
        kinds[x["kind"]] += 1
        per_case[x.get("case_id") or x.get("shipment_id")][x["kind"]] += 1
    classified = {json.loads(v).get("review_id") for v in case_msgs
                  if json.loads(v).get("type") == "case.classified"}
    states = collections.Counter(c.get("state", "?") for c in cases.values())

    checks = []

    def check(name, ok, detail):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    check("every event consumed", all(v == 0 for v in lags.values()),
          "group lag %s" % lags)
    check("no dead letters", not dead, "%d dead letters" % len(dead))
    check("every review classified once or more",
          len(classified) == published["reviews"],
          "%d reviews, case.classified for %d" % (published["reviews"],
                                                   len(classified)))
    diverged = sorted(aid for aid, vals in by_id.items() if len(vals) > 1)
    check("an action_id always carries the same action", not diverged,
          "%d action_ids with different payloads%s" % (
              len(diverged), (": " + ", ".join(diverged[:5])) if diverged
              else ""))
    twice = sorted("%s %s x%d" % (c, k, n) for c, kc in per_case.items()
                   for k, n in kc.items() if k in ONCE_PER_CASE and n > 1)
    check("no second action of a once-per-case kind (%s)" %
          ", ".join(ONCE_PER_CASE), not twice,
          listed(twice))
    cap = max_delay_notices()
    chatty = sorted("%s %s x%d" % (s, k, n) for s, kc in per_case.items()
                    for k, n in kc.items()
                    if (k == "notice.shipped" and n > 1) or
                    (k == "notice.logistics_delay" and n > cap))
    check("a shipment's buyer told once it shipped and at most %d delays"
          % cap, not chatty,
          listed(chatty))
    # Per order: the platform's limits count every case of the order,
    # whichever worker took the step, each case under its kind's limits.
    rules = platform_rules()
    acts = [json.loads(next(iter(v))) for v in by_id.values()]

    def kind_rules(x):
        """The rules of action x's platform for its case's kind."""
        return rules[x["platform"]].kinds[case_kind(
            cases.get(x.get("case_id"), {}))]
    over = orders_over(acts, cases, rules)
    multi = sum(1 for n in orders_with_cases(cases).values() if n > 1)
    feedback = sum(1 for d in cases.values()
                   if d.get("review_kind") == "seller_feedback")
    check("no order got more review messages than its platform allows "
          "(%d orders with two cases or more, %d seller-feedback cases)" % (
              multi, feedback), not over,
          listed(over, "orders over"))
    # Asked to change a review only where and when the platform allows it
    # (Amazon: never a product review; a seller feedback once the buyer's
    # problem is solved).
    early = asked_out_of_turn(acts, cases, rules)
    asks = [x for x in acts if x["kind"] in ASKS_MODIFY]
    solved = sum(1 for x in asks if x["platform"] in rules and
                 kind_rules(x).ask == "after_resolution")
    check("asked to change a review only where and when the platform "
          "allows (%d asks, %d of them once the buyer's problem was solved)"
          % (len(asks), solved), not early, listed(early))
    # A refusal is final (BEHAVIOR.md 2.6): nothing reaches the buyer
    # about the case after it, whatever fires or is replayed later.
    closed_at = {c: int(d.get("closed_at_ms") or 0) for c, d in cases.items()
                 if d.get("close_reason") == "refused"}
    after_no = sorted(
        "%s %s at %s" % (x["case_id"], x["kind"], x["created_at"])
        for x in acts
        if x["kind"].startswith("outreach.") and
        x.get("case_id") in closed_at and
        rfc3339_ms(x["created_at"]) > closed_at[x["case_id"]])
    check("no outreach after the buyer refused (%d cases closed so)" %
          len(closed_at), not after_no,
          listed(after_no))
    # "Don't contact me" to the store (a chat naming no order) reaches
    # every case of the buyer there, not only the one the chat reached.
    told, reached = after_store_refusal(acts, cases, refusals,
                                        refusal_memory_ms())
    check("no outreach after the buyer refused the store (%d refusals, "
          "%d cases they reach)" % (len(refusals), reached), not told,
          listed(told))
    # A message toward the buyer out of their hours waits for them, on a
    # timer: never published ahead of its due_at, so that a no in between
    # stops it.
    outreach = sum(1 for x in acts if x["kind"].startswith("outreach."))
    ahead = published_ahead(acts)
    check("no message toward the buyer published ahead of its due_at "
          "(%d outreach actions)" % outreach, not ahead, listed(ahead))
    # Where a platform allows no incentive for a kind of review, nothing
    # is offered for one.
    offered = sorted(
        "%s %s %s" % (x["platform"], x.get("case_id"), x["kind"])
        for x in acts if x["kind"].startswith("outreach.") and
        x["platform"] in rules and not kind_rules(x).incentives and
        (x["kind"] == "outreach.incentive" or "offer" in x))
    none = {p: [k for k in KINDS if not r.kinds[k].incentives]
            for p, r in sorted(rules.items())}
    check("no incentive where the platform allows none (%s)" % ", ".join(
        p if len(ks) == len(KINDS) else "%s %s" % (p, " ".join(ks))
        for p, ks in none.items() if ks), not offered,
        listed(offered))
    # Extortion, professional, competitor: no outreach, ever (BEHAVIOR.md
    # 3), whatever else the case met.
    hostile = {m.get("case_id") for m in map(json.loads, case_msgs)
               if m.get("type") == "case.classified" and m.get("malicious")
               in ("extortion", "professional", "competitor")}
    hostile.discard(None)
    courted = sorted("%s %s" % (x["case_id"], x["kind"]) for x in acts
                     if x["kind"].startswith("outreach.") and
                     x.get("case_id") in hostile)
    check("no outreach to a review classified extortion, professional or "
          "competitor (%d cases)" % len(hostile), not courted,
          listed(courted))
    # The buyer's daytime (BEHAVIOR.md 2.5; the playbook says for any
    # outreach), outside the platform's quiet hours, in the case's zone;
    # and at most max_nudges nudges a case.
    day = window_min(playbook_default("daytime", '"09:00-20:00"'))
    store_zone = playbook_default("timezone", "UTC")
    max_nudges = int(playbook_default("max_nudges", "7"))
    night = outside_daytime(acts, cases, rules, day, store_zone)
    learned = sum(1 for d in cases.values()
                  if int(d.get("zone_learned_at_ms") or 0))
    nudgy = sorted("%s x%d" % (c, kc["outreach.nudge"])
                   for c, kc in per_case.items()
                   if kc["outreach.nudge"] > max_nudges)
    check("every outreach due, and its deadline, in the buyer's daytime "
          "(%s, outside quiet "
          "hours; %d cases learned the buyer's zone from a parcel) and at "
          "most %d nudges a case" % (
              playbook_default("daytime", "09:00-20:00").strip('"'),
              learned, max_nudges), not night and not nudgy,
          "%d cases over %d nudges, %s" % (len(nudgy), max_nudges,
                                            listed(night + nudgy,
                                                   "outside")))
    # While an agent answers the buyer, the cadence waits (BEHAVIOR.md
    # 2.7; the soak hands no case back).
    spans = with_agent(case_msgs)
    told = told_while_with_agent(acts, spans)
    check("no outreach while the buyer's message waits for an agent (%d "
          "cases paused so)" % len(spans), not told, listed(told))
    stuck_back, back = handed_back_stuck(handbacks, spans)
    check("a case an agent handed back leaves its pause within a day (%d "
          "hand-backs, %d of paused cases)" % (len(handbacks), back),
          (back or not a.hand_back) and not stuck_back, listed(stuck_back))
    # An offer over the agent's limit waits for a manager's approval.
    unpaid, paid = paid_against_decisions(acts, offers)
    approved = sum(1 for _, d, _ in offers if d == "approved")
    check("an offer over the agent's limit goes out only once a manager "
          "approved it (%d decisions, %d approved, %d incentives after "
          "one)" % (len(offers), approved, paid),
          (paid or not approved) and not unpaid, listed(unpaid))
    # A late parcel, or one in exception, holds every case of its order
    # (README, section 7).
    told, unpaused, held = held_by_late_parcel(acts, cases)
    check("a late parcel or one in exception holds its order's outreach: "
          "every case of the order paused, no step toward the buyer after "
          "(%d cases of %d held orders with a case, %d parcels of reviewed "
          "orders, %d in exception)" % (
              held, len(set(orders_with_cases(cases)) &
                        set(late_orders(acts))),
              published.get("ship_reviewed", 0),
              published.get("reviewed_exceptions", 0)),
          (held or not a.ship_reviewed) and not told and not unpaused,
          listed(told + unpaused))
    check("every timer due fired and completed", due_left == 0 and not stuck,
          "%d due or leased at the end; %d clock steps waited 60 s in vain"
          % (due_left, stuck))
    if a.days >= 60:
        close_after = appeal_close_after_ms()
        restless = sorted(
            c for c, d in cases.items()
            if d.get("state") not in AT_REST and not (
                d.get("state") == "appealed" and
                int(d.get("appeal_filed_at_ms", "0")) >
                clock_end - close_after))
        check("after %d days every case ended or waits on an appeal filed "
              "less than appeal_close_after ago" % a.days, not restless,
              "%d cases elsewhere%s" % (len(restless), (": " + ", ".join(
                  "%s (%s)" % (c, cases[c].get("state"))
                  for c in restless[:5])) if restless else ""))

    summary = {
        "events": published, "days": a.days, "seed": a.seed,
        "instances": a.instances, "redis_cluster_masters": a.cluster,
        "failover": a.failover,
        "multi_item": a.multi_item,
        "chat_follow": a.chat_follow,
        "seller_feedback": a.seller_feedback,
        "ship_reviewed": a.ship_reviewed,
        "reviewed_exceptions": a.reviewed_exceptions,
        "hand_back": a.hand_back, "handbacks": len(handbacks),
        "approve": a.approve, "agent_limit": a.agent_limit,
        "offer_decisions": len(offers),
        "kills": f.kills,
        "kills_by_worker": dict(f.restarts),
        "outages": dict(sorted(f.outages.items())),
        "actions_published": len(actions), "actions_distinct": len(by_id),
        "actions_by_kind": dict(sorted(kinds.items())),
        "case_messages": len(case_msgs), "cases_by_state": dict(
            sorted(states.items())), "seconds": round(time.time() - t0, 1),
        "checks": checks}
    with open(os.path.join(OUT, "summary.json"), "w") as fp:
        json.dump(summary, fp, indent=1)
    with open(os.path.join(OUT, "cases.json"), "w") as fp:
        json.dump({c: {"actions": dict(per_case.get(c, {})),
                       "state": d.get("state"),
                       "close_reason": d.get("close_reason"),
                       "review_id": d.get("review_id")}
                   for c, d in cases.items()}, fp, indent=0, sort_keys=True)

    print("Redress soak: %d events (%d reviews) at %d/s, %d of each worker, "
          "%d kills (%s), clock run %d days, %.0f s" % (
              published["published"], published["reviews"], a.rate,
              a.instances, f.kills, ", ".join(
                  "%s %d" % kv for kv in sorted(f.restarts.items())) or "-",
              a.days, time.time() - t0))
    if a.outages:
        print("outages: %s" % (", ".join(
            "%s %d" % kv for kv in sorted(f.outages.items())) or "-"))
    print("actions: %d published, %d distinct: %s" % (
        len(actions), len(by_id), ", ".join(
            "%s %d" % kv for kv in sorted(kinds.items()))))
    print("cases: %s" % ", ".join("%s %d" % kv
                                   for kv in sorted(states.items())))
    for c in checks:
        print("  %-4s %s: %s" % ("ok" if c["ok"] else "FAIL", c["check"],
                                 c["detail"]))
    print("wrote %s/summary.json, cases.json, logs/" % OUT)
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("soak: %s" % e, file=sys.stderr)
        sys.exit(1)
