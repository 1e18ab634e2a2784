#!/usr/bin/env python3
"""What tests/bench/run reports, checked: the figures bench.py derives
(latency, the timer burst, the ratios to the bare consumer and to the
Python peer, what a phase's CPU counts, the scaling verdict) from made-up
inputs, and the invariants a run's results.json must keep, on the run
given as the argument (tests/run passes the small run it just made) or
else on tests/data/bench/results-small.json. No figure is asserted
against a timing: only how each is derived.

    tests/bench/test_bench.py [RESULTS.json]
"""
import copy
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

RESULTS = os.path.join(HERE, "..", "data", "bench", "results-small.json")


def load(path):
    with open(path) as f:
        return json.load(f)


class Report(unittest.TestCase):
    """report() on the recorded small run, changed where a test says (each
    test sets the figures it reads)."""

    def setUp(self):
        self.base = load(os.path.join(HERE, "..", "data", "bench",
                                      "results-small.json"))
        # As in the run: the bench's own Redis and dev broker.
        self.saved = bench.RPID, bench.BPID, bench.NCPU
        bench.RPID, bench.BPID = 1, 1
        bench.NCPU = self.base["cores"]

    def tearDown(self):
        bench.RPID, bench.BPID, bench.NCPU = self.saved

    def report(self, r):
        r = copy.deepcopy(r)
        text = bench.report(r)
        return text, {t["target"].split(" (")[0]: t for t in r["targets"]}

    def row(self, text, label):
        for line in text.splitlines():
            if line.startswith(label + "  "):
                return line.split()
        self.fail("no row %r in:\n%s" % (label, text))


class Latency(Report):
    def test_histogram_quantile_stays_within_the_phase(self):
        # A backlog phase of 3.75 s: most events waited 1 to 5 s, and the
        # buckets there are 1, 2.5 and 5 s wide. Interpolated in (2.5, 5]
        # the p99 came out at 4.94 s, longer than the phase.
        buckets = {0.5: 1000, 1: 4000, 2.5: 12000, 5: 20000,
                   float("inf"): 20000}
        p99 = bench.quantile(buckets, 0.99, 3.75)
        self.assertLessEqual(p99, 3.75)
        self.assertGreater(p99, 2.5)
        # Within the phase the interpolation is what it was.
        self.assertAlmostEqual(bench.quantile(buckets, 0.5, 3.75),
                               bench.quantile(buckets, 0.5))

    def test_each_review_is_timed_from_its_input_to_its_first_output(self):
        with tempfile.TemporaryDirectory() as d:
            ins, outs = os.path.join(d, "in"), os.path.join(d, "out")
            with open(ins, "w") as f:
                for i in range(101):
                    f.write("%d\tstore/o%d\n" % (1000 + i, i))
            with open(outs, "w") as f:
                for i in range(100):  # o100 has no output
                    # its case.opened a little later, then the first one
                    f.write("%d\tstore/o%d\n" % (1000 + i + i + 9, i))
                    f.write("%d\tstore/o%d\n" % (1000 + i + i + 1, i))
                f.write("5000\tstore/other\n")
            lat = bench.output_latency(ins, outs)
        # Latencies 1, 2, ... 100 ms: nearest rank.
        self.assertEqual(lat["latency_p50_ms"], 50)
        self.assertEqual(lat["latency_p99_ms"], 99)
        self.assertEqual(lat["latency_max_ms"], 100)
        self.assertEqual((lat["latency_events"], lat["latency_inputs"]),
                         (100, 101))

    def test_histogram_rows_are_marked_approximate(self):
        r = copy.deepcopy(self.base)
        r["chats"]["latency_source"] = "histogram"
        r["reviews"]["latency_source"] = "outputs"
        text, _ = self.report(r)
        chats = self.row(text, "chats")
        self.assertTrue(chats[4].startswith("~") and chats[5].startswith("~"),
                        chats)
        reviews = self.row(text, "reviews")
        self.assertFalse(reviews[4].startswith("~"), reviews)
        self.assertIn("its first output's", text)

    def test_paced_bare_row_is_what_the_consumer_read(self):
        class FakeReader:
            def __init__(self, *a, **k):
                self.stderr = io.StringIO("assigned 8 partitions\n")

            def communicate(self, timeout=None):
                return ('{"consumed":7000,"seconds":3.6,"rate":1944.4,'
                        '"latency_p50_ms":9.0,"latency_p99_ms":30.0}\n', "")

            def poll(self):
                return 0

        saved = bench.subprocess.Popen, bench.tool, bench.log
        bench.subprocess.Popen = FakeReader
        bench.tool = lambda args, timeout=600: {
            "published": 7000, "rate": 2000.0, "max_partition_bytes": 0}
        bench.log = lambda msg: None
        try:
            res = bench.phase_bare_paced(2000, 7000)
        finally:
            bench.subprocess.Popen, bench.tool, bench.log = saved
        self.assertEqual(res["rate"], 1944.4)
        self.assertEqual(res["loadgen_rate"], 2000.0)
        text, _ = self.report(dict(self.base, bare_70=res))
        row = self.row(text, "bare consumer at 70% (to receipt)")
        self.assertEqual(row[7], "1,944")


class Timers(Report):
    # The worker idles 0.99 s after the clock jump, then fires the burst of
    # 2,063 within 50 ms (read every 5 ms).
    SAMPLES = [(i * 0.005, 0) for i in range(199)] + [
        (0.995 + i * 0.005, min(2063, 300 + i * 200)) for i in range(10)]

    def test_burst_rate_leaves_the_idle_sleep_out(self):
        f = bench.firing(self.SAMPLES)
        self.assertAlmostEqual(f["wake_s"], 0.99)
        # Every timer fired between 0.99 s (none) and 1.04 s (all): from
        # the clock jump it read 1,984/s.
        self.assertAlmostEqual(f["rate"], 2063 / 0.05, delta=1)

    def test_a_burst_within_one_read_is_a_floor(self):
        f = bench.firing([(0.0, 0), (0.99, 0), (0.997, 2063)])
        self.assertAlmostEqual(f["wake_s"], 0.99)
        self.assertAlmostEqual(f["rate"], 2063 / 0.007, delta=1)
        self.assertIsNone(bench.firing([(0.0, 0), (0.5, 0)])["rate"])

    def test_table_prints_the_rate_the_wake_up_and_what_the_timers_are(self):
        r = copy.deepcopy(self.base)
        # firing() of SAMPLES
        r["timers"].update(burst_due=2063, burst_fired=2063,
                           burst_seconds=1.04, burst_rate=2063 / 1.04,
                           burst_fire_rate=2063 / 0.05,
                           burst_fire_seconds=0.05, burst_wake_s=0.99,
                           burst_sample_s=0.005)
        text, _ = self.report(r)
        line = next(l for l in text.splitlines() if "burst of 2,063" in l)
        self.assertIn("41,260 timers/s, all of them fired within 50.0 ms",
                      line)
        self.assertIn("none had fired 990.0 ms after the clock jump", line)
        self.assertIn("no known kind", line)
        self.assertNotIn("1,984", line)


class CaseTimers(Report):
    CASES = {"reviews": 20000, "cases": 16214, "pending": 31547,
             "jump_ms": 169 * 3600 * 1000, "burst_due": 13379,
             "burst_fired": 13379, "fire_rate": 15000.0,
             "fire_seconds": 0.891, "wake_s": 1.26, "sample_s": 0.006,
             "actions": {"outreach.first_contact": 4912,
                         "outreach.follow_up": 7181, "appeal.file": 5},
             "cpu_s_per_1000": 0.051, "redis_us_per_timer": 68.0,
             "redis_roundtrips_per_timer": 0.0007, "peak_rss_mib": 36.0}

    def with_cases(self, **change):
        r = copy.deepcopy(self.base)
        r["timers"]["cases"] = dict(self.CASES, **change)
        return r

    def line(self, text):
        return next(l for l in text.splitlines()
                    if "burst of real cases' timers" in l)

    def test_table_says_what_fired_and_what_it_published(self):
        text, _ = self.report(self.with_cases())
        line = self.line(text)
        self.assertIn("13,379 of 31,547 pending due once the clock moved "
                      "169 h on (the 16,214 cases 20,000 reviews opened", line)
        self.assertIn("15,000 timers/s, all of them fired within 891.0 ms",
                      line)
        # 12,098 actions over 13,379 timers, the most published first
        self.assertIn("12,098 actions (0.90 per timer: "
                      "outreach.follow_up 7,181, outreach.first_contact "
                      "4,912, appeal.file 5)", line)
        self.assertIn("the timers worker 0.051 CPU s per 1,000 timers, "
                      "peak RSS 36.0 MiB", line)

    def test_cases_open_at_the_same_hour_whatever_the_hour_of_the_run(self):
        day = 86400
        d = 20430 * day  # 2025-12-08, 00:00 UTC
        noon = (d + 12 * 3600) * 1000
        for hour, want in ((0, noon), (11.99, noon), (12, noon),
                           (12.01, noon + day * 1000),
                           (23.9, noon + day * 1000)):
            with self.subTest(hour=hour):
                self.assertEqual(
                    bench.case_timers_open_ms(d + hour * 3600), want)

    def test_timers_the_burst_armed_are_told_apart(self):
        text, _ = self.report(self.with_cases(burst_fired=13840))
        self.assertIn("(461 more fired than were due", self.line(text))
        text, _ = self.report(self.with_cases())
        self.assertNotIn("more fired", self.line(text))

    def test_firings_given_back_are_told_apart(self):
        text, _ = self.report(self.with_cases(given_back=452))
        self.assertIn("all of them fired within 891.0 ms (452 firings given "
                      "back", self.line(text))
        for none in ({}, {"given_back": 0}):
            text, _ = self.report(self.with_cases(**none))
            self.assertNotIn("given back", self.line(text))

    def test_a_burst_with_none_fired_says_so(self):
        text, _ = self.report(self.with_cases(fire_rate=None,
                                              fire_seconds=None,
                                              burst_fired=0, actions={}))
        self.assertIn("published: none fired; 0 actions", self.line(text))

    def test_peak_rss_target_counts_the_real_cases_timers_worker(self):
        _, tg = self.report(self.with_cases(peak_rss_mib=75.4))
        t = tg["peak RSS <= 64 MiB per worker"]
        self.assertIn("75.4 MiB (timers, real cases)", t["measured"])
        self.assertFalse(t["ok"])

    def test_results_before_it_print_no_line(self):
        r = copy.deepcopy(self.base)
        r["timers"].pop("cases", None)
        text, _ = self.report(r)
        self.assertNotIn("real cases", text)


class Ratios(Report):
    def test_reviews_are_a_ratio_to_the_same_reviews_read_bare(self):
        r = copy.deepcopy(self.base)
        r["bare"]["rate"] = 500000.0  # the mix
        r["bare_reviews"] = dict(r["bare"], rate=200000.0)
        r["reviews"]["rate"] = 10000.0
        r["fleet"]["rate"] = 10000.0
        text, tg = self.report(r)
        self.assertEqual(self.row(text, "reviews")[3], "0.05")
        self.assertEqual(self.row(text, "fleet (4 workers, mix)")[6], "0.02")
        self.assertTrue(tg["reviews end to end >= 50% of the bare consumer"]
                        ["measured"].startswith("5% "))

    def test_peer_per_cpu_second_counts_each_sides_redis(self):
        r = copy.deepcopy(self.base)
        r["reviews"].update(cpu_s_per_1000=0.050, redis_us_per_event=110.0)
        r["peer"].update(cpu_s_per_1000=0.150, redis_us_per_event=28.0)
        text, tg = self.report(r)
        t = tg["reviews >= 10x the Python peer per CPU second"]
        self.assertIn("(client + Redis)", t["target"])
        # (0.150 + 0.028) / (0.050 + 0.110), and 0.150 / 0.050
        self.assertTrue(t["measured"].startswith("1.1x (clients only 3.0x"),
                        t["measured"])
        self.assertFalse(t["ok"])
        self.assertIn("3.0x the peer's reviews counting the clients only, "
                      "1.1x with Redis", text)


class Scaling(Report):
    def test_two_instances_verdict_is_the_ratio_whatever_saturated(self):
        r = copy.deepcopy(self.base)
        r["reviews_x2"]["rate"] = 1.13 * r["reviews"]["rate"]
        r["reviews_x2"]["redis_cores"] = 0.92
        _, tg = self.report(r)
        t = tg["2 instances >= 1.7x one"]
        self.assertFalse(t["ok"])
        self.assertTrue(t["measured"].startswith(
            "1.13x; saturated: Redis (0.92 cores)"), t["measured"])
        r["reviews_x2"]["rate"] = 1.8 * r["reviews"]["rate"]
        self.assertTrue(self.report(r)[1]["2 instances >= 1.7x one"]["ok"])

    def test_cpu_saturation_says_whose_work_kept_the_cores_busy(self):
        x = dict(self.base["reviews_x2"], redis_cores=0.30, broker_cores=0.1,
                 loadgen_cores=0.05, redis_wait_share=0.4,
                 machine_busy_cores=1.95, bench_cores=0.60, other_cores=1.35,
                 steal_cores=0.0)
        sat = bench.saturation(x)
        self.assertTrue(sat.startswith("CPU (the machine's 2 cores 1.95 "
                                       "busy: 0.60 the bench's processes"),
                        sat)
        self.assertIn("1.35 other work on the machine", sat)
        self.assertIn("the bench's figures are low", sat)
        idle = dict(x, machine_busy_cores=0.7, bench_cores=0.65,
                    other_cores=0.05, redis_wait_share=0.02)
        self.assertTrue(bench.saturation(idle).startswith("none ("))


class Run(unittest.TestCase):
    """Invariants of a run's results.json."""

    def setUp(self):
        self.r = load(RESULTS)

    def test_no_latency_is_longer_than_its_phase(self):
        # Every input of a phase is published after it starts and every
        # output before it ends: a p99 past the phase's wall time is a
        # measuring error (5 ms for the timestamps' milliseconds).
        for key in bench.WORKER_PHASES:
            x = self.r.get(key)
            if not x or x.get("latency_p99_ms") is None:
                continue
            with self.subTest(key):
                self.assertLessEqual(x["latency_p50_ms"], x["latency_p99_ms"])
                self.assertLessEqual(x["latency_p99_ms"],
                                     1000.0 * x["seconds"] + 5.0)

    def test_every_review_is_timed_from_its_outputs(self):
        for key in bench.WORKER_PHASES:
            x = self.r.get(key)
            if not x or "reviews" not in x["workers"]:
                continue
            with self.subTest(key):
                self.assertEqual(x["latency_source"], "outputs")
                self.assertEqual(x["latency_events"], x["latency_inputs"])
                if x["workers"] == ["reviews"]:
                    self.assertEqual(x["latency_inputs"], x["events"])

    def test_fleet_cpu_counts_every_worker_timers_included(self):
        x = self.r["fleet"]
        by = x["worker_cpu_s_by_worker"]
        self.assertEqual(sorted(t.split("-")[1] for t in by),
                         ["chats", "reviews", "shipments", "timers"])
        self.assertAlmostEqual(sum(by.values()), x["worker_cpu_s"],
                               delta=0.05 + 0.05 * x["worker_cpu_s"])

    def test_rows_are_ratios_to_a_read_of_their_own_events(self):
        for key, base in (("reviews", "bare_reviews"), ("chats", "bare_chats"),
                          ("shipments", "bare_shipments"), ("fleet", "bare"),
                          ("peer", "bare_reviews")):
            with self.subTest(key):
                self.assertEqual(self.r[key]["baseline"], base)
                self.assertTrue(self.r[base]["consumed_all"])
        self.assertEqual(self.r["bare_reviews"]["topic"],
                         "bench.rev.reviews" if self.r.get(
                             "kafka_source", "dev").startswith("dev") else
                         "bench.%s.rev.reviews" % self.r["run_id"])

    def test_every_real_cases_timer_due_fired(self):
        c = self.r["timers"].get("cases")
        if c is None:
            self.skipTest("a run from before the burst of real cases' timers")
        self.assertGreater(c["burst_due"], 0)
        # Firing may arm more, due at once: none was left due or leased.
        self.assertGreaterEqual(c["burst_fired"], c["burst_due"])
        self.assertEqual(c.get("burst_left", 0), 0)
        self.assertLessEqual(c["burst_due"], c["pending"])
        self.assertGreater(c["actions"].get("outreach.first_contact", 0), 0)

    def test_peer_and_reviews_rows_carry_their_redis_cpu(self):
        for key in ("reviews", "peer"):
            with self.subTest(key):
                self.assertGreater(self.r[key]["redis_us_per_event"], 0)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        RESULTS = sys.argv.pop(1)
    unittest.main()
