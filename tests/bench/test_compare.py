#!/usr/bin/env python3
"""tests/bench/compare on runs derived from one results.json: what an
operator reads from it before an upgrade. The base run is the argument
(tests/run passes the small run it just made, so the test follows the
format bench.py writes today), else tests/data/bench/results-small.json.

    tests/bench/test_compare.py [RESULTS.json]
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "compare")
BASE = os.path.join(HERE, "..", "data", "bench", "results-small.json")


def bench_phases(run):
    """The keys of a run's phases that ran workers or the peer."""
    return [k for k, v in run.items() if isinstance(v, dict) and
            ("workers" in v or k == "peer")]


def scaled(run, factor, key="reviews", figure="rate"):
    r = copy.deepcopy(run)
    r[key][figure] *= factor
    return r


class Compare(unittest.TestCase):
    def setUp(self):
        with open(BASE) as f:
            self.base = json.load(f)
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, run, name):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(run, f)
        return path

    def compare(self, *runs_or_args):
        args = [a if isinstance(a, str) else
                self.write(a, "r%d.json" % i)
                for i, a in enumerate(runs_or_args)]
        p = subprocess.run([COMPARE] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def row(self, out, config, figure):
        """The table row of config's figure (config printed once, above)."""
        cur = None
        for line in out.splitlines():
            if line.startswith(config):
                cur = config
            elif line and not line.startswith(" "):
                cur = None
            if cur == config and line[len(config):].lstrip().startswith(
                    figure):
                return line
        self.fail("no row %s / %s in:\n%s" % (config, figure, out))

    def test_same_run_changes_nothing(self):
        rc, out, err = self.compare(self.base, self.base)
        self.assertEqual(rc, 0, err)
        self.assertIn("Worse beyond the noise: nothing", out)
        self.assertTrue(self.row(out, "reviews", "cmds/event")
                        .endswith("same"))
        self.assertIn("+0.0%", self.row(out, "reviews", "events/s"))

    def test_counted_figure_that_grows_is_worse_from_one_run(self):
        for figure, label, factor, change in (
                ("redis_server_calls_per_event", "cmds/event", 1.25, "+25.0%"),
                ("redis_bytes_per_event", "Redis bytes/event", 1.2, "+20.0%")):
            with self.subTest(label):
                after = scaled(self.base, factor, figure=figure)
                rc, out, _ = self.compare(self.base, after)
                self.assertEqual(rc, 1)
                row = self.row(out, "reviews", label)
                self.assertIn(change, row)
                self.assertTrue(row.endswith("worse"))
                self.assertIn("Worse beyond the noise: reviews %s %s"
                              % (label, change), out)

    def test_other_messages_per_event_are_different_work_not_worse(self):
        after = scaled(self.base, 1.1, figure="outputs_published")
        rc, out, _ = self.compare(self.base, after)
        self.assertEqual(rc, 0)
        self.assertTrue(self.row(out, "reviews", "out/event")
                        .endswith("changed"))
        self.assertIn("Different work (messages published per event): "
                      "reviews out/event +10.0%", out)
        self.assertIn("Worse beyond the noise: nothing", out)

    def test_one_run_a_side_gives_timed_figures_no_verdict(self):
        rc, out, _ = self.compare(self.base, scaled(self.base, 0.5))
        self.assertEqual(rc, 0)
        self.assertIn("1 run(s) before, 1 after: only counted", out)
        row = self.row(out, "reviews", "events/s")
        self.assertIn("-50.0%", row)
        self.assertFalse(row.endswith(("worse", "noise")), row)

    def test_repeated_runs_judge_timed_figures_against_their_spread(self):
        # The machine's noise: bare reads spread x1.2 in one run.
        rate = self.base["bare"]["rate"]
        self.base["bare"]["reads"] = [rate, rate * 1.2, rate * 1.1]
        before = [self.base, scaled(self.base, 1.05), scaled(self.base, 1.02)]
        # Halved, well beyond the 5% spread and the bare reads' 1.2.
        after = [scaled(self.base, f) for f in (0.5, 0.52, 0.51)]
        # Two a side are too few to know the noise.
        rc, out, _ = self.compare(*before[:2], "--", *after[:2])
        self.assertEqual(rc, 0)
        self.assertFalse(self.row(out, "reviews", "events/s").endswith("worse"))
        rc, out, _ = self.compare(*before, "--", *after)
        self.assertEqual(rc, 1)
        row = self.row(out, "reviews", "events/s")
        self.assertTrue(row.endswith("x1.20  worse"), row)
        self.assertIn("Worse beyond the noise: reviews events/s", out)
        # 10% slower: inside the bare reads' spread, noise.
        after = [scaled(self.base, f) for f in (0.9, 0.91, 0.92)]
        rc, out, _ = self.compare(*before, "--", *after)
        self.assertEqual(rc, 0)
        self.assertTrue(self.row(out, "reviews", "events/s").endswith("noise"))

    def test_lower_latency_is_better(self):
        # The machine's noise: bare reads spread x1.2 (a recorded run's own
        # can be wider than the 3x asked of the latency).
        rate = self.base["bare"]["rate"]
        self.base["bare"]["reads"] = [rate, rate * 1.2, rate * 1.1]
        runs = [scaled(self.base, f, "reviews_70", "latency_p99_ms")
                for f in (1.0, 1.02, 1.01, 0.3, 0.31, 0.32)]
        rc, out, _ = self.compare(*runs[:3], "--", *runs[3:])
        self.assertEqual(rc, 0)
        self.assertTrue(self.row(out, "reviews at 70% of max", "p99 ms")
                        .endswith("better"))

    def test_figures_measured_differently_get_no_verdict(self):
        # A run of the bench before the rows had their own bare read and
        # the reviews their latency from the outputs.
        old = copy.deepcopy(self.base)
        for key in bench_phases(old):
            old[key].pop("baseline", None)
            old[key].pop("latency_source", None)
        for key in ("bare_reviews", "bare_chats", "bare_shipments"):
            old.pop(key, None)
        rc, out, _ = self.compare(old, self.base)
        self.assertEqual(rc, 0)
        for figure in ("x bare", "p99 ms"):
            with self.subTest(figure):
                self.assertTrue(self.row(out, "reviews", figure)
                                .endswith("measured differently"))
        # the chats' latency came from the histogram in both
        self.assertFalse(self.row(out, "chats", "p99 ms")
                         .endswith("measured differently"))
        self.assertIn("Measured differently by the two sides' bench", out)
        rc, out, _ = self.compare(self.base, self.base)
        self.assertNotIn("measured differently", out)

    def test_x_bare_is_over_each_rows_own_bare_read(self):
        after = copy.deepcopy(self.base)
        after["bare_reviews"]["rate"] /= 2
        rc, out, _ = self.compare(self.base, after)
        self.assertEqual(rc, 0)
        self.assertIn("+100.0%", self.row(out, "reviews", "x bare"))
        self.assertIn("+0.0%", self.row(out, "fleet (4 workers, mix)",
                                        "x bare"))
        self.assertIn("-50.0%", self.row(out, "bare consumer (1), reviews",
                                         "events/s"))

    def test_runs_not_alike_are_refused_unless_forced(self):
        other = copy.deepcopy(self.base)
        other["small"] = not self.base["small"]
        other["events"] = self.base["events"] * 10
        rc, _, err = self.compare(self.base, other)
        self.assertEqual(rc, 2)
        self.assertIn("not alike", err)
        self.assertIn("events %d vs %d" % tuple(
            sorted((self.base["events"], other["events"]), key=str)), err)
        rc, out, _ = self.compare(self.base, other, "--force")
        self.assertEqual(rc, 0)
        self.assertIn("Not alike (--force)", out)

    def test_header_names_each_runs_build_and_other_cpus_are_not_alike(self):
        before, after = copy.deepcopy(self.base), copy.deepcopy(self.base)
        before["build"] = {"version": "0.1.0", "commit": "aaaa1111"}
        after["build"] = {"version": "0.1.0", "commit": "bbbb2222"}
        rc, out, _ = self.compare(before, after)
        self.assertEqual(rc, 0)
        self.assertIn("commit aaaa1111", out.splitlines()[0])
        self.assertIn("-> %s" % after["run_id"], out.splitlines()[0])
        self.assertIn("commit bbbb2222", out.splitlines()[0])
        before["environment"] = {"cpu_model": "CPU A"}
        after["environment"] = {"cpu_model": "CPU B"}
        rc, _, err = self.compare(before, after)
        self.assertEqual(rc, 2)
        self.assertIn("CPU CPU A vs CPU B", err)

    def test_paced_rows_at_other_rates_are_pointed_out(self):
        rc, out, _ = self.compare(self.base, self.base)
        self.assertNotIn("paced rows ran at different rates", out)
        other = scaled(self.base, 1.2, "reviews_70", "rate_target")
        rc, out, _ = self.compare(self.base, other)
        self.assertIn("The paced rows ran at different rates", out)
        self.assertIn("--max-rate", out)

    def test_a_file_that_is_not_a_run_is_named(self):
        bad = os.path.join(self.dir.name, "table.txt")
        with open(bad, "w") as f:
            f.write("configuration events/s\n")
        rc, _, err = self.compare(self.base, bad)
        self.assertEqual(rc, 2)
        self.assertIn(bad, err)
        rc, _, err = self.compare(self.base)
        self.assertEqual(rc, 2)
        self.assertIn("usage", err)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        BASE = sys.argv.pop(1)
    unittest.main()
