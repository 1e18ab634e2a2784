#!/usr/bin/env python3
"""The phases of tests/bench/run: started by it with a Redis and a Kafka
already up (their addresses in the environment; their pids too when run
started them: a redis-server and the dev broker),
this drives every measurement, prints the table and the targets, and writes
out/results.json and the gnuplot data. Workers, the load generator, the
bare consumer and the Python peer are child processes it starts and stops
by pid. Figures come from the workers' /metrics, Redis INFO, /proc/<pid>,
/proc/stat, the Kafka timestamps of the inputs and of their outputs (the
load generator's and the output reader's files) and the tools' own JSON
lines; nothing here asserts a timing: the exit code
says only whether every phase ran and every published event was consumed.
"""
import json
import math
import resource
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = os.environ
# Set by tests/bench/run before the phases (bench.py --topics needs none).
BUILD = ENV.get("BENCH_BUILD", "")
BIN = os.path.join(BUILD, "bin")
OUT = ENV.get("BENCH_OUT", "")
LOGS = os.path.join(OUT, "logs")
BOOTSTRAP = ENV.get("BENCH_BOOTSTRAP", "")
REDIS_URL = ENV.get("BENCH_REDIS_URL", "")
# A Kafka given by --bootstrap instead of the dev broker run starts.
DEV_BROKER = ENV.get("BENCH_KAFKA_GIVEN") != "1"
# 0: a Redis or Kafka the bench did not start (--redis-url, --bootstrap):
# its CPU is read from INFO (Redis) or not at all (Kafka).
RPID = int(ENV.get("BENCH_REDIS_PID") or 0)
BPID = int(ENV.get("BENCH_BROKER_PID") or 0)
FLUSH_REDIS = ENV.get("BENCH_FLUSH_REDIS") == "1"
EVENTS = int(ENV.get("BENCH_EVENTS") or 0)
TIMERS = int(ENV.get("BENCH_TIMERS") or 0)
SMALL = ENV.get("BENCH_SMALL") == "1"
PARTITIONS = int(ENV.get("BENCH_PARTITIONS", "32"))
# The paced rows' topics have fewer: see README, "Latency at 70%".
PACED_PARTITIONS = int(ENV.get("BENCH_PACED_PARTITIONS", "8"))
# --max-rate: the paced rows' 100% instead of the reviews row's rate.
MAX_RATE = float(ENV.get("BENCH_MAX_RATE") or 0)
CONFIG = ENV.get("BENCH_CONFIG", os.path.join(TOP, "configs", "redress.yaml"))
RUN_ID = ENV.get("BENCH_RUN_ID", "b%d" % int(time.time()))
TIMER_SHARDS = 16
TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

problems = []  # functional failures: each makes the run exit 1


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ---- Redis (a minimal RESP client: the bench needs no extra module) ----

def redis_addr(url):
    """host, port, user, password and db of a redis:// URL."""
    u = urllib.parse.urlparse(url)
    if u.scheme != "redis":
        raise RuntimeError("--redis-url %s: want redis://[[user]:password@]"
                           "host[:port][/db]" % redact(url))
    return {"host": u.hostname or "127.0.0.1", "port": u.port or 6379,
            "user": urllib.parse.unquote(u.username) if u.username else None,
            "password": (urllib.parse.unquote(u.password) if u.password
                         else None),
            "db": int(u.path.strip("/") or 0)}


def redact(url):
    """The URL without its password, for logs and results.json."""
    return re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", url)


RADDR = None  # redis_addr(REDIS_URL), set by main()


class Redis:
    def __init__(self, addr):
        self.s = socket.create_connection((addr["host"], addr["port"]))
        self.f = self.s.makefile("rb")
        if addr["password"] is not None:
            self.call(*(["AUTH"] + ([addr["user"]] if addr["user"] else [])
                        + [addr["password"]]))
        if addr["db"]:
            self.call("SELECT", addr["db"])

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        return b"".join(out)

    def read(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode(errors="replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.s.sendall(self.encode(*args))
        return self.read()

    def pipeline(self, cmds):
        self.s.sendall(b"".join(self.encode(*c) for c in cmds))
        return [self.read() for _ in cmds]

    def info(self, section):
        res = {}
        for line in self.call("INFO", section).splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                res[k] = v
        return res


def commandstats(r):
    calls = {}
    for k, v in r.info("commandstats").items():
        m = re.search(r"calls=(\d+)", v)
        if m:
            calls[k[len("cmdstat_"):]] = int(m.group(1))
    return calls


def redis_io(r):
    """What the Redis server has read and written (INFO stats): socket reads
    (each round trip of a client costs at least one, a pipeline longer than
    its 16 KB read buffer several), bytes in and bytes out."""
    i = r.info("stats")
    return [int(i.get(k, 0)) for k in ("total_reads_processed",
                                       "total_net_input_bytes",
                                       "total_net_output_bytes")]


class Cluster:
    """Redis Cluster masters the bench started, read as one Redis by the
    phases: a command goes to every master (FLUSHDB, CONFIG RESETSTAT), INFO
    sums their counters."""

    def __init__(self, nodes, pids, url):
        self.nodes, self.pids, self.url = nodes, pids, url

    def call(self, *args):
        return [n.call(*args) for n in self.nodes][0]

    def info(self, section):
        res = {}
        for n in self.nodes:
            for k, v in n.info(section).items():
                m = re.search(r"calls=(\d+)", v)
                if m:  # commandstats
                    c = int(m.group(1)) + int(re.search(
                        r"calls=(\d+)", res.get(k, "calls=0")).group(1))
                    res[k] = "calls=%d" % c
                elif re.fullmatch(r"-?\d+", v):
                    res[k] = str(int(res.get(k, "0")) + int(v))
                elif re.fullmatch(r"-?\d+\.\d+", v):
                    res[k] = str(float(res.get(k, "0")) + float(v))
                else:
                    res.setdefault(k, v)
        return res


def form_cluster(call, ports):
    """Join the servers at ports ((port, bus port) each) into one cluster,
    the slots split evenly between them in order; call(i, *args) runs a
    command on server i (the soak's clients are redis-py's)."""
    n = len(ports)
    for i in range(n):
        call(i, "CLUSTER", "ADDSLOTSRANGE", i * 16384 // n,
             (i + 1) * 16384 // n - 1)
        if i:
            call(i, "CLUSTER", "MEET", "127.0.0.1", ports[0][0], ports[0][1])


def cluster_info_ok(info, n):
    """Whether a CLUSTER INFO text says the cluster is ok with n servers."""
    return ("cluster_state:ok" in info and
            "cluster_known_nodes:%d" % n in info)


def start_cluster(n):
    """n masters in cluster mode on free ports (no append-only file, as the
    bench's own Redis), the slots split evenly: a Cluster once every one
    says cluster_state:ok."""
    nodes, pids, procs = [], [], []
    ports = free_port_pairs(n)
    for i, (port, bus) in enumerate(ports):
        d = os.path.join(LOGS, "cluster-%d" % i)
        os.makedirs(d, exist_ok=True)
        for f in ("nodes.conf", "dump.rdb"):
            if os.path.exists(os.path.join(d, f)):
                os.unlink(os.path.join(d, f))
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
             "--cluster-port", str(bus), "--dir", d],
            stdout=open(os.path.join(d, "redis.log"), "w"),
            stderr=subprocess.STDOUT))
    CLUSTER_PROCS.extend(procs)
    deadline = time.time() + 30
    for port, _ in ports:
        while True:
            try:
                nodes.append(Redis({"host": "127.0.0.1", "port": port,
                                    "user": None, "password": None,
                                    "db": 0}))
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("Redis Cluster node on %d did not "
                                       "start" % port)
                time.sleep(0.05)
    form_cluster(lambda i, *a: nodes[i].call(*a), ports)
    while not all(cluster_info_ok(x.call("CLUSTER", "INFO"), n)
                  for x in nodes):
        if time.time() > deadline:
            raise RuntimeError("the Redis Cluster did not form")
        time.sleep(0.1)
    pids = [p.pid for p in procs]
    return Cluster(nodes, pids, "redis-cluster://" + ",".join(
        "127.0.0.1:%d" % port for port, _ in ports))


CLUSTER_PROCS = []


def start_replica():
    """A replica of the bench's own Redis (no append-only file, as it),
    once it has synced; stop_cluster() stops it with the rest."""
    port = free_port()
    d = os.path.join(LOGS, "replica")
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "dump.rdb")):
        os.unlink(os.path.join(d, "dump.rdb"))
    CLUSTER_PROCS.append(subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", d,
         "--replicaof", RADDR["host"], str(RADDR["port"])],
        stdout=open(os.path.join(d, "redis.log"), "w"),
        stderr=subprocess.STDOUT))
    deadline, rep = time.time() + 30, None
    while True:
        try:
            rep = rep or Redis({"host": "127.0.0.1", "port": port,
                                "user": None, "password": None, "db": 0})
            if "master_link_status:up" in rep.call("INFO", "replication"):
                return CLUSTER_PROCS[-1].pid
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError("the replica on %d did not sync" % port)
        time.sleep(0.05)


def stop_cluster():
    for p in CLUSTER_PROCS:
        p.terminate()
    for p in CLUSTER_PROCS:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    del CLUSTER_PROCS[:]


# ---- processes ----

def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return 0.0


def thread_cpu_seconds(pid):
    """CPU seconds of a process by thread: "loop" (the main thread:
    Redress' event loop, or the Python peer's), "other" (threads of other
    names: the HTTP server) and "kafka", the rest: librdkafka's threads
    (rdk:*), counted from the process' total so that threads already gone
    (the peer closes its clients before it reports) still count."""
    out = {"loop": 0.0, "kafka": 0.0, "other": 0.0}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.find("(") + 1:text.rfind(")")]
        if int(tid) != pid and comm.startswith("rdk:"):
            continue  # in "kafka" below
        fields = text.rsplit(")", 1)[1].split()
        out["loop" if int(tid) == pid else "other"] += (
            int(fields[11]) + int(fields[12])) / TICK
    out["kafka"] = max(0.0, cpu_seconds(pid) - out["loop"] - out["other"])
    return out


def split_per_1000(after, before, events):
    """thread_cpu_seconds() deltas per 1,000 events."""
    return {k: max(0.0, after[k] - before[k]) * 1000.0 / max(1, events)
            for k in after}


def sum_threads(pids):
    total = {"loop": 0.0, "kafka": 0.0, "other": 0.0}
    for pid in pids:
        for k, v in thread_cpu_seconds(pid).items():
            total[k] += v
    return total


def runq_wait_seconds(pid, main_only=False):
    """How long the process' threads (or only its main thread: Redis runs
    every command there, its other threads free memory and sync files)
    were ready to run but waited for a CPU (field 2 of
    /proc/PID/task/TID/schedstat, nanoseconds)."""
    total = 0
    try:
        tids = [str(pid)] if main_only else os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0.0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def machine_cpu_seconds():
    """The machine's CPU seconds since boot from /proc/stat's "cpu" line:
    (busy: user, nice, system, irq, softirq; stolen: what the hypervisor
    gave other guests while this one had work; all of it, idle included),
    summed over every core, whoever ran."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    v += [0] * (8 - len(v))
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return ((user + nice + system + irq + softirq) / TICK, steal / TICK,
            sum(v) / TICK)


def peak_rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


# Every port free_ports() gave in this run.
GIVEN_PORTS = set()


def free_ports(n):
    """n distinct free ports, none given before in this run. Each is held
    until all are chosen: a port let go is free again, and the kernel can
    hand it out twice in a row (2 sets of 6 in 2,000 had a repeat), to the
    next worker before the last one bound it."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in GIVEN_PORTS:
                ports.append(port)
        GIVEN_PORTS.update(ports)
        return ports
    finally:
        for s in socks:
            s.close()


def free_port():
    return free_ports(1)[0]


def free_port_pairs(n):
    """n (port, cluster bus port) pairs, all distinct."""
    ps = free_ports(2 * n)
    return list(zip(ps[::2], ps[1::2]))


class Worker:
    def __init__(self, name, tag, env):
        self.name, self.tag = name, tag
        self.log = os.path.join(LOGS, "%s.log" % tag)
        e = dict(os.environ)
        e.update(env)
        # A port of our own: the timers worker logs only errors (every
        # bench timer is of a kind no handler knows, a warning each).
        self.port = free_port()
        self.stopping = False
        e["REDRESS_METRICS_LISTEN"] = "127.0.0.1:%d" % self.port
        self.p = subprocess.Popen([os.path.join(BIN, "redress-" + name)],
                                  stdout=open(self.log, "w"),
                                  stderr=subprocess.STDOUT, env=e)

    def signal_stop(self):
        """SIGTERM once: the worker drains, commits and exits."""
        if self.p.poll() is None and not self.stopping:
            self.p.send_signal(signal.SIGTERM)
            self.stopping = True

    def metrics_port(self):
        return self.port

    def get(self, path):
        port = self.metrics_port()
        if not port:
            return None
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                        timeout=5) as r:
                return r.read().decode()
        except Exception:
            return None

    def metrics(self):
        return parse_metrics(self.get("/metrics") or "")

    def wait_ready(self, timeout=30):
        """Until /readyz answers (Redis and Kafka reachable), or timeout
        seconds: a worker that consumes nothing (timers) has no
        partitions to wait for."""
        deadline = time.time() + timeout
        while self.get("/readyz") is None and time.time() < deadline:
            time.sleep(0.1)

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        self.signal_stop()
        if self.p.poll() is None:
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                log("%s did not stop in 15 s: killing it" % self.tag)
                self.p.kill()
                self.p.wait()


def parse_metrics(text):
    """{name: [(labels dict, value)]}"""
    res = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$", line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        try:
            v = float(m.group(4))
        except ValueError:
            continue
        res.setdefault(m.group(1), []).append((labels, v))
    return res


def msum(ms, name, **match):
    tot = 0.0
    for m in ms:
        for labels, v in m.get(name, []):
            if all(labels.get(k) == v2 for k, v2 in match.items()):
                tot += v
    return tot


def hist(ms, name):
    """Summed cumulative buckets {le: count} of a histogram."""
    b = {}
    for m in ms:
        for labels, v in m.get(name + "_bucket", []):
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            b[le] = b.get(le, 0.0) + v
    return b


def hist_delta(after, before):
    return {le: after[le] - before.get(le, 0.0) for le in after}


def quantile(buckets, q, cap=None):
    """Prometheus-style histogram_quantile (linear within a bucket). cap:
    the most any observation can be (a phase's wall time for latencies of
    events published in it): a bucket's upper bound past it is taken as
    cap, so that the interpolation in a wide bucket (1 to 2.5 s, 2.5 to
    5 s, ...) never lands past what was possible."""
    les = sorted(buckets)
    if not les:
        return None
    total = buckets[les[-1]]
    if total <= 0:
        return None
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le in les:
        c = buckets[le]
        if c >= rank:
            if cap is not None:
                le = max(prev_le, min(le, cap))
            if le == float("inf"):
                return prev_le  # above the last finite bound
            if c == prev_c:
                return le
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c)
        prev_le, prev_c = le, c
    return les[-2] if len(les) > 1 else None


def rank_quantile(values, q):
    """The q-quantile of sorted values by nearest rank: a value that was
    measured, the smallest with at least q of them at or below it."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def read_stamps(path):
    """{key: earliest Kafka timestamp (ms)} of a file of "<ms>\t<key>"
    lines (redress-loadgen --timestamps, redress-bareconsumer
    --outputs)."""
    first = {}
    with open(path) as f:
        for line in f:
            ms, _, key = line.rstrip("\n").partition("\t")
            try:
                t = int(ms)
            except ValueError:
                continue
            if key not in first or t < first[key]:
                first[key] = t
    return first


def output_latency(inputs_path, outputs_path):
    """Each review's latency, from its input's Kafka timestamp to its first
    output's (both keyed <store_id>/<order_id>, one review per order as the
    load generator publishes them here): p50, p99 and the largest in ms, by
    nearest rank, and how many of the inputs had an output."""
    ins, outs = read_stamps(inputs_path), read_stamps(outputs_path)
    lat = sorted(outs[k] - t for k, t in ins.items() if k in outs)
    return {"latency_p50_ms": rank_quantile(lat, 0.50),
            "latency_p99_ms": rank_quantile(lat, 0.99),
            "latency_max_ms": lat[-1] if lat else None,
            "latency_events": len(lat), "latency_inputs": len(ins)}


# Paced phases of the reviews worker below 70% of its max rate (percent).
LOAD_STEPS = (25, 50)
# Every phase's topic name (bench.<name>.*), the paced ones last: the one
# list of the run's topics (bench_topics(); tests/bench/run asks for it
# with `bench.py --topics` to create the dev broker's).
# The append-only file's fsync policies measured (the reviews row again),
# and their phases' keys in results.json.
AOF_FSYNC = ("everysec", "always")
AOF_PHASES = tuple("reviews_aof_" + f for f in AOF_FSYNC)
# The reviews row again with outbox bundles stored compressed
# (storage.compression lz4), without and with the append-only file
# (everysec): the phases' keys, and the worker setting they differ by.
LZ4_PHASES = ("reviews_lz4", "reviews_aof_everysec_lz4")
LZ4_ENV = {"REDRESS_STORAGE_COMPRESSION": "lz4"}
WAIT_ENV = {"REDRESS_REDIS_WAIT_REPLICAS": "1"}
# The reviews row again on a Redis Cluster of CLUSTER_MASTERS masters the
# bench starts (on the same cores): what splitting Redis costs per review.
CLUSTER_MASTERS = 3
TOPIC_PHASES = ("base", "rev") + tuple("aof" + f for f in AOF_FSYNC) + (
    "lz4", "aoflz4", "clu", "wait", "chat", "ship", "fleet", "x2", "x4",
    "peer",
    "timers")
PACED_TOPIC_PHASES = tuple("r%d" % p for p in LOAD_STEPS + (70,)) + (
    "bare70",)
PACED = tuple("reviews_%d" % p for p in LOAD_STEPS + (70,))
# Every phase that runs workers, in the order the table prints them.
WORKER_PHASES = ("reviews",) + AOF_PHASES + LZ4_PHASES + (
    "reviews_cluster", "reviews_wait", "chats", "shipments", "fleet",
    "reviews_x2", "reviews_x4") + PACED
# Reads of the bare consumer's backlog; (1) is their median.
BARE_READS = 3 if SMALL else 5
# librdkafka's mock cluster keeps ~5 MiB of message sets per partition.
MOCK_PARTITION_BYTES = 5 * 1024 * 1024


def tool(args, timeout=600):
    """Run a bench tool; its last stdout line is JSON."""
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode or not lines:
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(args[0]),
                                                     p.returncode,
                                                     p.stderr.strip()[-500:]))
    return json.loads(lines[-1])


def loadgen_args(prefix, count, mix, fmt="mixed", rate=0, phase="",
                 timestamps=None):
    a = [os.path.join(BIN, "redress-loadgen"), "--bootstrap", BOOTSTRAP,
         "--count", str(count), "--mix", mix, "--format", fmt,
         "--topic-prefix", prefix, "--run-id", "%s-%s" % (RUN_ID, phase),
         "--partitions-aware"]
    if rate:
        a += ["--rate", str(int(rate))]
    if timestamps:
        a += ["--timestamps", timestamps]
    return a


class OutputReader:
    """redress-bareconsumer --outputs on the case topic while a phase runs:
    every case message from the phase's start, its Kafka timestamp and key
    (<store_id>/<order_id>, as the review it answers) to a file, to time
    each review from its input to its first output (output_latency()).
    It reads while the workers publish: the dev broker keeps only ~5 MB a
    partition, less than a full run's outputs."""

    def __init__(self, phase):
        self.path = os.path.join(LOGS, "%s.outputs.tsv" % phase)
        self.err = os.path.join(LOGS, "%s.outputs.log" % phase)
        self.p = subprocess.Popen(
            [os.path.join(BIN, "redress-bareconsumer"), "--bootstrap",
             BOOTSTRAP, "--outputs", self.path, "--topics",
             cases_topic(phase)],
            stdout=subprocess.PIPE, stderr=open(self.err, "w"), text=True)

    def wait_assigned(self):
        """Until it holds the topic's partitions, from their ends (it
        assigns them itself, no group)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError("the output reader exited: see " + self.err)
            with open(self.err) as f:
                if "assigned" in f.read():
                    return
            time.sleep(0.05)
        raise RuntimeError("the output reader did not start: see " + self.err)

    def cpu_seconds(self):
        return cpu_seconds(self.p.pid)

    def stop(self):
        """Reads on to the topic's end, then exits: its JSON line."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            out, _ = self.p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.communicate()
            raise RuntimeError("the output reader did not finish: see "
                               + self.err)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if self.p.returncode or not lines:
            raise RuntimeError("the output reader failed (%s): see %s" %
                               (self.p.returncode, self.err))
        return json.loads(lines[-1])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def group_lag(group, topics):
    return tool([os.path.join(BIN, "redress-bareconsumer"), "--lag",
                 "--bootstrap", BOOTSTRAP, "--group", group,
                 "--topics", ",".join(topics)])["lag"]


# ---- phases ----

def bare_reads(topics, count, tag):
    """BARE_READS reads of count events of topics by redress-bareconsumer,
    each from the first offset: their median rate
    and the reads. A read takes well under a second and varies with
    whatever else the machine does meanwhile (two reads of one backlog in
    a row: 384,000 and 625,000 events/s), hence the median."""
    rates, short = [], []
    c0 = time.time()
    for k in range(BARE_READS):
        res = tool([os.path.join(BIN, "redress-bareconsumer"), "--bootstrap",
                    BOOTSTRAP, "--topics", ",".join(topics),
                    "--count", str(count), "--timeout", "30"])
        rates.append(res["rate"])
        if res["consumed"] != count:
            short.append(res["consumed"])
    for n in short:
        problems.append("bare consumer (%s) read %d of %d events" %
                        (tag, n, count))
    rate = statistics.median(rates)
    log("bare consumer, %s: %.0f events/s, the median of %d reads (%s; "
        "%.1f s in all)" % (tag, rate, len(rates),
                                          ", ".join("%.0f" % x for x in rates),
                                          time.time() - c0))
    return {"events": count, "rate": rate, "reads": rates,
            "consumed_all": not short}


def phase_bare(r):
    """(1) a bare librdkafka consumer reading a backlog of the event mix:
    the fleet row's baseline (the same mix, count and encodings)."""
    prefix = topic_prefix("base")
    lg = tool(loadgen_args(prefix, EVENTS, "reviews=60,chats=25,shipments=15",
                           phase="base"))
    topics = [prefix + t for t in (".reviews", ".chats", ".shipments")]
    over = over_retention(lg)
    if over:
        # The backlog would not be there to read.
        raise RuntimeError("the bare consumer's backlog %s: use more "
                           "--partitions or fewer --events" % over)
    res = bare_reads(topics, lg["published"], "mix")
    res.update({"loadgen_rate": lg["rate"],
                "max_partition_bytes": lg["max_partition_bytes"],
                "max_partition_messages": lg["max_partition_messages"]})
    return res


# The bare reads as the table's first rows: (results.json key, label).
BARE_ROWS = (("bare_reviews", "bare consumer (1), reviews"),
             ("bare_chats", "bare consumer (1), chats"),
             ("bare_shipments", "bare consumer (1), shipments"),
             ("bare", "bare consumer (1), mix"))
# The baselines of the rows: each row's x bare is its rate over the bare
# consumer's read of the same events (results.json keys).
BARE_OF = {"chats": "bare_chats", "shipments": "bare_shipments",
           "fleet": "bare"}


def baseline_of(key):
    """The results.json key of the bare read a row is a ratio to: the
    reviews phase's events for every reviews row (and the peer's, which
    reads reviews alike), each other worker's own, the mix for the
    fleet."""
    return BARE_OF.get(key, "bare_reviews")


def phase_bare_same(phase, kind, published):
    """(1) for a worker's rows: the bare consumer reading the very events a
    phase's worker consumed, its input topic again once the phase is over
    (same topic, partitions, encodings, sizes). What the dev broker still
    holds of it: it keeps ~5 MB a partition."""
    topic = "%s.%s" % (topic_prefix(phase), kind)
    held = group_lag("bench-held-%s-%s" % (phase, RUN_ID), [topic])
    if not held:
        raise RuntimeError("the bare consumer's %s: the broker kept none of "
                           "%s" % (kind, topic))
    res = bare_reads([topic], held, kind)
    res.update({"topic": topic, "published": published})
    if held < published:
        log("bare consumer, %s: the broker kept %d of the %d events" %
            (kind, held, published))
    return res


def phase_bare_paced(rate, count):
    """The broker path's own latency at a paced rate: the bare consumer
    (fetch.wait.max.ms 10, as the workers) times each review from its Kafka
    timestamp to its receipt while the load generator publishes at rate."""
    prefix = topic_prefix("bare70")
    bc = subprocess.Popen(
        [os.path.join(BIN, "redress-bareconsumer"), "--bootstrap", BOOTSTRAP,
         "--topics", prefix + ".reviews",
         "--count", str(count), "--timeout", "60", "--latency"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Publish once it holds partitions.
        deadline = time.time() + 60
        while time.time() < deadline:
            line = bc.stderr.readline()
            if not line or line.startswith("assigned"):
                break
        lg = tool(loadgen_args(prefix, count, "reviews", "json", rate,
                               phase="bare70"))
        out, err = bc.communicate(timeout=120)
    finally:
        if bc.poll() is None:
            bc.kill()
            bc.wait()
    lines = [l for l in out.splitlines() if l.startswith("{")]
    res = json.loads(lines[-1]) if lines else {}
    if res.get("consumed") != lg["published"]:
        problems.append("bare consumer at a paced rate read %s of %d events%s"
                        % (res.get("consumed"), lg["published"],
                           retention_note(lg)))
    log("bare consumer at %.0f events/s: read %s events/s, p50 %s ms, p99 "
        "%s ms (to receipt)" % (rate, fmt_num(res.get("rate")),
                                fmt_num(res.get("latency_p50_ms")),
                                fmt_num(res.get("latency_p99_ms"))))
    # rate: what the consumer read per second (its first message to its
    # last), not the load generator's publish rate (loadgen_rate).
    return {"events": lg["published"], "rate_target": rate,
            "partitions": phase_partitions("bare70"),
            "rate": res.get("rate"), "loadgen_rate": lg["rate"],
            "latency_p50_ms": res.get("latency_p50_ms"),
            "latency_p99_ms": res.get("latency_p99_ms"),
            "latency_to": "receipt",
            "consumed_all": res.get("consumed") == lg["published"]}


def apply_script():
    """The fleet's apply script, extracted from workers/core/run.c."""
    src = open(os.path.join(TOP, "workers", "core", "run.c")).read()
    m = re.search(r"static const char rdr_apply_lua\[\]\s*=\s*(.*?);\n", src,
                  re.S)
    if not m:
        raise RuntimeError("rdr_apply_lua not found in workers/core/run.c")
    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
    return "".join(lits).encode().decode("unicode_escape")


def phase_redis(r):
    """(2) redis-benchmark: EVALSHA of the apply script, pipelined (-P 16),
    with the arguments of a review that opens a case (storage.format
    packed): the case's version and its ~0.8 KB document, one set member,
    and the event's outbox bundle of ~2.7 KB (four messages, two timers),
    the sizes `redis-cli monitor` shows for the load generator's reviews."""
    lua = apply_script()
    sha = r.call("SCRIPT", "LOAD", lua)
    m = re.search(r"local i = (\d+)", lua)
    fixed = int(m.group(1)) - 1 if m else 4
    doc = "x" * 800  # no newline: redis-benchmark echoes it in its CSV
    bundle = "B" + "x" * 2665
    args = ["EVALSHA", sha, "4", "bench:dd:{c:__rand_int__}",
            "bench:ob:{c:__rand_int__}", "bench:case:{c:__rand_int__}",
            "bench:set:{c:__rand_int__}", "604800000", "4", "1", "1"]
    args += [""] * (fixed - 4)
    args += ["version", "1", "case", doc, "m1", "b:ev-__rand_int__", bundle]
    n = 50000 if SMALL else 300000
    r.call("FLUSHDB")
    auth = []
    if RADDR["password"] is not None:
        auth = (["--user", RADDR["user"]] if RADDR["user"] else []) + [
            "-a", RADDR["password"]]
    p = subprocess.run(["redis-benchmark", "-h", RADDR["host"], "-p",
                        str(RADDR["port"]), "--dbnum", str(RADDR["db"])]
                       + auth + ["-n", str(n), "-P", "16", "-r", "100000000",
                                 "--csv"]
                       + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=600)
    rows = [l for l in p.stdout.splitlines() if l.startswith('"EVALSHA')]
    if p.returncode or not rows:
        raise RuntimeError("redis-benchmark failed: " + p.stderr[-300:])
    rps = float(rows[-1].split('","')[1])
    errs = r.info("errorstats")
    r.call("FLUSHDB")
    log("redis apply script: %.0f EVALSHA/s (pipelined 16)" % rps)
    return {"applies_per_s": rps, "requests": n, "pipeline": 16,
            "script_from": "workers/core/run.c (rdr_apply_lua, at run time)",
            "errors": errs}


def redis_cpu_seconds(r):
    """Redis' CPU: its process' when the bench started it, else what INFO
    says (used_cpu_user + used_cpu_sys: a Redis elsewhere)."""
    if isinstance(r, Cluster):
        return sum(cpu_seconds(p) for p in r.pids)
    if RPID:
        return cpu_seconds(RPID)
    i = r.info("cpu")
    return float(i["used_cpu_user"]) + float(i["used_cpu_sys"])


def sample_procs(workers, r, reader=None):
    """CPU seconds (None: not measurable, a Kafka elsewhere; a Redis
    elsewhere has no run-queue wait): the workers (every one of the phase,
    the timers worker too), Redis, the broker, the bench's own helpers
    (the output reader, a replica, bench.py) and the machine's as a
    whole."""
    threads = sum_threads(w.p.pid for w in workers)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    helpers = ru.ru_utime + ru.ru_stime + (
        reader.cpu_seconds() if reader else 0.0)
    if not isinstance(r, Cluster):
        helpers += sum(cpu_seconds(p.pid) for p in CLUSTER_PROCS)
    return {"at": time.time(),
            "redis_local": bool(RPID) or isinstance(r, Cluster),
            "by_worker": {w.tag: cpu_seconds(w.p.pid) for w in workers},
            "workers": sum(threads.values()),
            "helpers": helpers,
            "machine": machine_cpu_seconds(),
            "threads": threads,
            "redis": redis_cpu_seconds(r),
            "broker": cpu_seconds(BPID) if BPID else None,
            "workers_wait": sum(runq_wait_seconds(w.p.pid) for w in workers),
            "redis_wait": (sum(runq_wait_seconds(p, True) for p in r.pids)
                           if isinstance(r, Cluster) else
                           runq_wait_seconds(RPID, True) if RPID else None)}


def machine_share(cpu0, cpu1, loadgen_s=0.0):
    """Cores in use on the whole machine between two sample_procs(), from
    /proc/stat: busy (machine_busy_cores), of which the bench's own
    processes (bench_cores: workers, a Redis and broker it started, the
    load generator, its helpers) and the rest (other_cores: whatever else
    runs on the machine), and what the hypervisor stole (steal_cores);
    None where /proc/stat could not be read."""
    m0, m1 = cpu0.get("machine"), cpu1.get("machine")
    span = cpu1["at"] - cpu0["at"]
    if not m0 or not m1 or span <= 0:
        return {"machine_busy_cores": None, "bench_cores": None,
                "other_cores": None, "steal_cores": None}
    ours = (cpu1["workers"] - cpu0["workers"]
            + cpu1["helpers"] - cpu0["helpers"] + loadgen_s)
    if cpu1.get("redis_local"):
        ours += cpu1["redis"] - cpu0["redis"]
    if cpu1["broker"] is not None:
        ours += cpu1["broker"] - cpu0["broker"]
    busy = (m1[0] - m0[0]) / span
    return {"machine_busy_cores": busy, "bench_cores": ours / span,
            "other_cores": max(0.0, busy - ours / span),
            "steal_cores": (m1[1] - m0[1]) / span}


def delta(after, before):
    return None if after is None or before is None else after - before


def held_partitions(text):
    """(topic, partition) a worker holds after the kafka.assign and
    kafka.revoke lines of its log, a partition a line (cooperative: what
    each rebalance adds or takes; eager: all of it); None while its last
    line is still being written."""
    held = set()
    for line in text.splitlines():
        if '"kafka.assign"' not in line and '"kafka.revoke"' not in line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            return None
        m = re.fullmatch(r"(.+) \[(\d+)\]", rec.get("msg", ""))
        if not m:
            continue
        tp = (m.group(1), int(m.group(2)))
        if rec.get("event") == "kafka.assign":
            held.add(tp)
        else:
            held.discard(tp)
    return held


def group_settled(helds):
    """The members of one group hold every partition of the topics they
    were given, each partition once, and each member some: no member waits
    for a share, so no further rebalance is due."""
    if any(not h for h in helds):
        return False
    union = set().union(*helds)
    if sum(len(h) for h in helds) != len(union):
        return False  # a partition in two members: mid-rebalance
    for t in {t for t, _ in union}:
        n = topic_partitions(t)  # 0: not a topic the bench knows
        if n and {p for t2, p in union if t2 == t} != set(range(n)):
            return False
    return True


def wait_applied(workers, count, done0=0):
    """Until the workers' count of events applied
    (redress_event_latency_seconds_count) is count past done0, or
    max(120, count / 500) s went by: how many they applied. A worker that
    exits raises."""
    deadline = time.time() + max(120, count / 500.0)
    while True:
        done = msum([w.metrics() for w in workers],
                    "redress_event_latency_seconds_count") - done0
        if done >= count or time.time() >= deadline:
            return done
        for w in workers:
            if w.p.poll() is not None:
                raise RuntimeError("%s exited: see %s" % (w.tag, w.log))
        time.sleep(0.05)


def wait_assigned(workers, timeout=60):
    """Every worker ready (/readyz), and each group's partitions all held,
    each by one member, the same on two reads in a row (a rebalance logs
    its partitions within a millisecond). Nothing waits out a quiet
    period: the dev broker already holds a new group's first join for
    3 s."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        for w in workers:
            if w.p.poll() is not None:
                raise RuntimeError("%s exited (%s): see %s" %
                                   (w.tag, w.p.returncode, w.log))
        helds = [held_partitions(w.log_text()) for w in workers]
        ready = None not in helds and all(
            w.get("/readyz") is not None for w in workers)
        if ready:
            groups = {}
            for w, h in zip(workers, helds):
                groups.setdefault(w.name, []).append(h)
            ready = all(group_settled(g) for g in groups.values())
        if ready and helds == last:
            return
        last = helds if ready else None
        time.sleep(0.2)
    raise RuntimeError("workers not ready/assigned in %d s" % timeout)


def topic_prefix(phase):
    """Every phase has its own input topics. On a Kafka the bench did not
    start, the run id keeps them apart from an earlier run's."""
    return ("bench.%s" % phase if DEV_BROKER else
            "bench.%s.%s" % (RUN_ID, phase))


# On a Kafka the bench did not start, the outputs go to topics of the run
# (never to the contract's redress.*, which a fleet may be using).
OUTPUT_TOPICS = {} if DEV_BROKER else {
    "REDRESS_TOPICS_" + t.upper(): "bench.%s.%s" % (RUN_ID, t)
    for t in ("actions", "dlq")}


def cases_topic(phase):
    """Every phase's case messages (the contract's redress.cases) go to a
    topic of its own, read from its start while the phase runs: the bench
    times each review by its output there (OutputReader), and the dev
    broker walks a partition's whole log for each fetch."""
    return topic_prefix(phase) + ".cases"


CASES_TOPIC = cases_topic("<phase>")
# The dev broker holds a fetch for the whole fetch.wait.max.ms even when
# data arrives (a real broker answers at once): the workers and the peer.
DEV_KAFKA_ENV = {"REDRESS_KAFKA_FETCH_WAIT_MAX_MS": "10"} if DEV_BROKER else {}


def phase_partitions(phase):
    return PACED_PARTITIONS if phase in PACED_TOPIC_PHASES else PARTITIONS


# Partitions of each topic: bench_topics()' counts, or Kafka's where an
# operator created the topics beforehand (create_topics() reads them).
TOPIC_PARTITIONS = {}


def topic_partitions(topic):
    if not TOPIC_PARTITIONS:
        TOPIC_PARTITIONS.update(bench_topics())
    return TOPIC_PARTITIONS.get(topic, 0)


def bench_topics():
    """(name, partitions) of every topic a run uses: the phases' inputs
    and case messages, and the other outputs (the contract's on the dev
    broker)."""
    out = [("%s.%s" % (topic_prefix(phase), t), phase_partitions(phase))
           for phase in TOPIC_PHASES + PACED_TOPIC_PHASES
           for t in ("reviews", "chats", "shipments", "appeal-results",
                     "staff-decisions")]
    # the case messages' topic of each phase: as many partitions as the
    # contract's redress.cases of the dev broker
    out += [(cases_topic(phase), PARTITIONS)
            for phase in TOPIC_PHASES + PACED_TOPIC_PHASES]
    outputs = (sorted(OUTPUT_TOPICS.values()) if OUTPUT_TOPICS else
               ["redress.%s" % t for t in ("reviews", "chats", "shipments",
                                           "appeal-results",
                                           "staff-decisions", "cases",
                                           "actions", "dlq")])
    return out + [(t, PARTITIONS) for t in outputs]


def kafka_admin():
    from confluent_kafka.admin import AdminClient
    from peer_reviews import kafka_env  # REDRESS_KAFKA_* as the workers
    return AdminClient(dict(kafka_env(), **{"bootstrap.servers": BOOTSTRAP}))


def create_topics():
    """Create the run's topics that do not exist yet (an operator may have
    created them: then pass the run id, --run-id); returns those created,
    the only ones delete_topics() removes."""
    from confluent_kafka.admin import NewTopic
    topics = bench_topics()
    listing = os.path.join(OUT, "topics.txt")
    with open(listing, "w") as f:
        f.writelines("%s %d\n" % tn for tn in topics)
    admin = kafka_admin()  # alive until every future has its result
    have = admin.list_topics(timeout=30).topics
    TOPIC_PARTITIONS.update(topics)
    TOPIC_PARTITIONS.update({t: len(m.partitions) for t, m in have.items()})
    missing = [(t, n) for t, n in topics if t not in have]
    if missing:
        futs = admin.create_topics(
            [NewTopic(t, num_partitions=n, replication_factor=-1)
             for t, n in missing], operation_timeout=30)
        for t, f in futs.items():
            try:
                f.result(60)
            except Exception as e:
                raise RuntimeError(
                    "cannot create topic %s on %s: %s. Or create the %d "
                    "topics of %s (name and partitions) beforehand and run "
                    "again with --run-id %s" % (
                        t, BOOTSTRAP, str(e) or repr(e), len(topics),
                        listing, RUN_ID))
    log("topics bench.%s.* on %s: %d created, %d there already" %
        (RUN_ID, BOOTSTRAP, len(missing), len(topics) - len(missing)))
    return [t for t, _ in missing]


def delete_topics(names):
    if not names:
        return
    admin = kafka_admin()
    futs = admin.delete_topics(names, operation_timeout=30)
    failed = []
    for t, f in futs.items():
        try:
            f.result(60)
        except Exception as e:
            failed.append("%s: %s" % (t, str(e) or repr(e)))
    log("deleted %d of the %d topics the run created%s" % (
        len(names) - len(failed), len(names),
        "; not deleted: " + "; ".join(failed[:3]) if failed else ""))


def worker_env(prefix, group, extra=None):
    e = {"REDRESS_KAFKA_BOOTSTRAP": BOOTSTRAP,
         "REDRESS_TOPICS_CASES": prefix + ".cases",
         "REDRESS_REDIS_URL": REDIS_URL,
         "REDRESS_CONFIG": CONFIG,
         "REDRESS_CONSUMER_GROUP": group,
         "REDRESS_TOPICS_REVIEWS": prefix + ".reviews",
         "REDRESS_TOPICS_CHATS": prefix + ".chats",
         "REDRESS_TOPICS_SHIPMENTS": prefix + ".shipments",
         "REDRESS_TOPICS_APPEAL_RESULTS": prefix + ".appeal-results",
         "REDRESS_TOPICS_STAFF_DECISIONS": prefix + ".staff-decisions",
         "REDRESS_KAFKA_AUTO_COMMIT_INTERVAL_MS": "500",
         # The dev broker's group coordinator sometimes completes a
         # cooperative rebalance only when a member's session times out
         # (45 s by default): the integration tests use 6 s too.
         "REDRESS_KAFKA_SESSION_TIMEOUT_MS": "6000",
         "REDRESS_LOG_LEVEL": "info"}
    e.update(DEV_KAFKA_ENV)
    e.update(OUTPUT_TOPICS)
    e.update(extra or {})
    return e


# What Redress keeps in Redis, by the key names of workers/domain/keys.h and
# workers/core/timers.h: (kind, pattern), first match wins.
KEY_KINDS = (
    ("dedupe", re.compile(r":seen:")),
    ("outbox", re.compile(r"^redress:\{[cob]:[^}]*\}:outbox$")),
    ("cases", re.compile(r"^redress:\{c:[^}]*\}$")),
    ("orders", re.compile(r"^redress:\{o:[^}]*\}(:intents)?$")),
    ("buyers", re.compile(r"^redress:\{b:[^}]*\}(:intents)?$")),
    ("buyer tags", re.compile(r"^redress:\{b:[^}]*\}:tags$")),
    ("timers", re.compile(r"^redress:\{t:\d+\}:(due|lease|gen)$")),
)
# Keys whose MEMORY USAGE is read per kind; the kind's bytes are their mean
# times its keys.
FOOTPRINT_SAMPLE = 500


def redis_data_bytes_now(r):
    if isinstance(r, Cluster):
        return sum(redis_data_bytes_now(n) for n in r.nodes)
    ds = int(r.info("memory")["used_memory_dataset"])
    st = r.call("MEMORY", "STATS")
    db = "db.%s" % (RADDR["db"] or 0)
    tables = 0
    for k, v in zip(st[::2], st[1::2]):
        if k == db and isinstance(v, list):
            tables = sum(int(x) for n, x in zip(v[::2], v[1::2])
                         if n.startswith("overhead.hashtable."))
    return ds + tables


def redis_data_bytes(r, settle_s=5.0):
    """Bytes Redis' keys take: used_memory less what is not the keys'
    (clients' buffers, scripts, startup), i.e. the dataset plus the key
    tables of the database (MEMORY STATS), once two reads 0.2 s apart
    agree: right after a load used_memory drifts by hundreds of KB as
    buffers are released and a grown key table finishes its rehash (both
    tables are counted meanwhile: 512 KB at 65,536 keys)."""
    last = redis_data_bytes_now(r)
    deadline = time.time() + settle_s
    while time.time() < deadline:
        time.sleep(0.2)
        cur = redis_data_bytes_now(r)
        if cur == last:
            break
        last = cur
    return last


def scan_keys(r, match=None):
    """Every key of the database (SCAN, MATCH match if given)."""
    cursor = "0"
    while True:
        cursor, batch = r.call("SCAN", cursor, *(
            ("MATCH", match) if match else ()), "COUNT", 2000)
        yield from batch
        if cursor == "0":
            return


def redis_footprint(r):
    """Keys and bytes (MEMORY USAGE, estimated from up to FOOTPRINT_SAMPLE
    keys of a kind) per kind of key in the database."""
    keys = {}
    for k in scan_keys(r):
        kind = next((n for n, rx in KEY_KINDS if rx.search(k)), "other")
        keys.setdefault(kind, []).append(k)
    out = {}
    for kind, ks in keys.items():
        sample = ks[::max(1, len(ks) // FOOTPRINT_SAMPLE)][:FOOTPRINT_SAMPLE]
        # One round trip a kind: each key's size, then its expiry.
        replies = r.pipeline([c for k in sample for c in (
            ("MEMORY", "USAGE", k, "SAMPLES", 0), ("PTTL", k))])
        sizes = [x for x in replies[::2] if x is not None]
        ttls = replies[1::2]
        out[kind] = {"keys": len(ks),
                     "bytes": (sum(sizes) / len(sizes) * len(ks)
                               if sizes else 0.0),
                     # share of the sampled keys that have an expiry
                     "expiring": (sum(1 for t in ttls if t >= 0) / len(ttls)
                                  if ttls else 0.0)}
    return out


def redis_config(r, settings):
    """CONFIG SET each (name, value) of settings on the bench's own Redis;
    returns the values they replaced. Turning appendonly on starts a rewrite
    of the (flushed) data set: wait until it is done."""
    old = []
    for name, value in settings:
        old.append((name, r.call("CONFIG", "GET", name)[1]))
        r.call("CONFIG", "SET", name, value)
    deadline = time.time() + 60
    while time.time() < deadline:
        info = r.info("persistence")
        if info.get("aof_rewrite_in_progress") == "0" and \
                info.get("aof_rewrite_scheduled") == "0":
            break
        time.sleep(0.05)
    return old


def aof_settings(fsync):
    """The CONFIG SET pairs of a phase on an append-only file."""
    return (("appendonly", "yes"), ("appendfsync", fsync))


def phase_workers(r, label, names, mix, count, fmt="mixed", rate=0,
                  instances=1, phase=None, settings=(), env=None):
    """(3)(4) start workers of names (instances each) on the phase's own
    topics, publish count events while they consume, and measure. settings:
    Redis CONFIG SET pairs for this phase only; env: the workers' own
    settings (REDRESS_*) for this phase."""
    phase = phase or label
    prefix = topic_prefix(phase)
    r.call("FLUSHDB")
    restore = redis_config(r, settings) if settings else ()
    r.call("CONFIG", "RESETSTAT")
    workers, reader = [], None
    try:
        # Each review is timed from its input to its first output, read
        # from the case topic meanwhile (output_latency()); its reader
        # starts while the workers join their group.
        if "reviews" in names:
            reader = OutputReader(phase)
        for name in names:
            for i in range(instances):
                group = "bench-%s-%s-%s" % (RUN_ID, phase, name)
                workers.append(Worker(name, "%s-%s-%d" % (phase, name, i),
                                      worker_env(prefix, group, env)))
        # The metrics of the workers that consume; the CPU of all of them
        # (the fleet's timers worker too).
        consumers = [w for w in workers if w.name != "timers"]
        wait_assigned(consumers)
        stamps = None
        if reader:
            reader.wait_assigned()
            stamps = os.path.join(LOGS, "%s.inputs.tsv" % phase)
        m0 = [w.metrics() for w in consumers]
        cpu0, stats0 = sample_procs(workers, r, reader), commandstats(r)
        mem0 = redis_data_bytes(r)
        h0 = hist(m0, "redress_event_latency_seconds")
        done0 = msum(m0, "redress_event_latency_seconds_count")
        io0 = redis_io(r)
        t0 = time.time()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        lgp = subprocess.Popen(loadgen_args(prefix, count, mix, fmt, rate,
                                            phase, stamps),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        t_done = (time.time() if wait_applied(consumers, count, done0)
                  >= count else None)
        io1 = redis_io(r)
        lg_out, lg_err = lgp.communicate(timeout=120)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        lg = json.loads([l for l in lg_out.splitlines() if l.startswith("{")][-1])
        cpu1, stats1 = sample_procs(workers, r, reader), commandstats(r)
        ms = [w.metrics() for w in consumers]
        if t_done is None:
            problems.append("%s: not every event was processed in time" % label)
            t_done = time.time()
        wall = t_done - t0
        hd = hist_delta(hist(ms, "redress_event_latency_seconds"), h0)
        if reader:
            read = reader.stop()
            reader = None
            lat = output_latency(stamps, os.path.join(
                LOGS, "%s.outputs.tsv" % phase))
            lat.update(latency_source="outputs",
                       outputs_read=read["consumed"])
            if lat["latency_events"] < lat["latency_inputs"]:
                problems.append("%s: %d of %d reviews had an output on %s "
                                "(latency of those only)" % (
                                    label, lat["latency_events"],
                                    lat["latency_inputs"],
                                    cases_topic(phase)))
            for f in (stamps, os.path.join(LOGS, "%s.outputs.tsv" % phase)):
                os.unlink(f)  # a full run's are tens of MB a phase
        else:
            # No output per event (chats, shipments): the workers'
            # histogram, interpolated in its buckets (1, 2.5, 5, 10 s above
            # a second) and capped at the phase's wall time, which no event
            # published in it can exceed: approximate.
            lat = {"latency_p50_ms": none_ms(quantile(hd, 0.50, wall)),
                   "latency_p99_ms": none_ms(quantile(hd, 0.99, wall)),
                   "latency_source": "histogram"}
        consumed = (msum(ms, "redress_messages_consumed_total")
                    - msum(m0, "redress_messages_consumed_total"))
        dlq = (msum(ms, "redress_messages_dead_lettered_total")
               - msum(m0, "redress_messages_dead_lettered_total"))
        rt = (msum(ms, "redress_redis_roundtrips_total")
              - msum(m0, "redress_redis_roundtrips_total"))
        cmds = (msum(ms, "redress_redis_commands_total")
                - msum(m0, "redress_redis_commands_total"))
        cases = (msum(ms, "redress_messages_published_total",
                      topic=cases_topic(phase))
                 - msum(m0, "redress_messages_published_total",
                        topic=cases_topic(phase)))
        published = (msum(ms, "redress_messages_published_total")
                     - msum(m0, "redress_messages_published_total"))
        server_calls = sum(stats1.get(k, 0) - stats0.get(k, 0)
                           for k in stats1 if k not in ("info", "config|resetstat"))
        evalsha = stats1.get("evalsha", 0) - stats0.get("evalsha", 0)
        # Every event consumed: the group's lag is 0 once offsets commit.
        groups = sorted({"bench-%s-%s-%s" % (RUN_ID, phase, w.name)
                         for w in consumers})
        topics_of = {"reviews": [prefix + ".reviews"],
                     "chats": [prefix + ".chats"],
                     "shipments": [prefix + ".shipments"]}
        lag = 0
        for g in groups:
            name = g.rsplit("-", 1)[1]
            for _ in range(40):
                lg_lag = group_lag(g, topics_of[name])
                if lg_lag == 0:
                    break
                time.sleep(0.25)
            lag += lg_lag
        # What the phase left in Redis once every event was applied and
        # its outbox entries acknowledged (committed offsets follow both).
        mem1 = redis_data_bytes(r)
        footprint = redis_footprint(r) if instances == 1 and not rate \
            and not isinstance(r, Cluster) else None
        all_in = consumed == lg["published"] and lag == 0 and dlq == 0
        if not all_in:
            problems.append("%s: published %d, consumed %d, dead-lettered %d, "
                            "group lag %d%s" % (label, lg["published"],
                                                consumed, dlq, lag,
                                                retention_note(lg)))
        if "reviews" in names and cases < lg.get("reviews", 0):
            problems.append("%s: %d reviews but %d case.classified" %
                            (label, lg["reviews"], cases))
        res = {
            "label": label, "workers": names, "instances": instances,
            "partitions": phase_partitions(phase),
            "events": lg["published"], "format": fmt, "mix": mix,
            "rate_target": rate or None,
            "loadgen_rate": lg["rate"], "loadgen_seconds": lg["seconds"],
            "seconds": wall, "rate": lg["published"] / wall,
            "consumed": consumed, "dead_lettered": dlq, "group_lag": lag,
            "every_event_consumed": all_in,
            "outputs_published": published, "cases_published": cases,
            "latency_p50_ms": lat["latency_p50_ms"],
            "latency_p99_ms": lat["latency_p99_ms"],
            # the workers' histogram (to the outputs' acknowledgement),
            # interpolated in its buckets, for reference
            "latency_hist_p50_ms": none_ms(quantile(hd, 0.50, wall)),
            "latency_hist_p99_ms": none_ms(quantile(hd, 0.99, wall)),
            # outputs: per review, input to output timestamps; histogram
            "latency_source": lat["latency_source"],
            "latency_events": lat.get("latency_events"),
            "latency_inputs": lat.get("latency_inputs"),
            "latency_max_ms": lat.get("latency_max_ms"),
            "redis_roundtrips_per_event": rt / max(1, consumed),
            # Redis' network, from every client until the last event was
            # applied (less the INFO call that read it): socket reads, bytes
            # in (requests) and out (replies)
            "redis_reads_per_event": (io1[0] - io0[0] - 1) / max(1, consumed),
            "redis_in_bytes_per_event": (io1[1] - io0[1]) / max(1, consumed),
            "redis_out_bytes_per_event": (io1[2] - io0[2]) / max(1, consumed),
            "redis_commands_sent_per_event": cmds / max(1, consumed),
            "redis_server_calls_per_event": server_calls / max(1, consumed),
            "evalsha_per_event": evalsha / max(1, consumed),
            "cpu_s_per_1000": (cpu1["workers"] - cpu0["workers"]) * 1000.0
            / max(1, consumed),
            "worker_cpu_s": cpu1["workers"] - cpu0["workers"],
            # each worker's share, every worker of the phase
            "worker_cpu_s_by_worker": {
                t: cpu1["by_worker"][t] - cpu0["by_worker"][t]
                for t in cpu1["by_worker"]},
            # by thread: the event loop, librdkafka's threads, the rest
            "cpu_s_per_1000_threads": split_per_1000(
                cpu1["threads"], cpu0["threads"], consumed),
            "redis_cpu_s": cpu1["redis"] - cpu0["redis"],
            "broker_cpu_s": delta(cpu1["broker"], cpu0["broker"]),
            # ready to run but no core free (CPU contention)
            "redis_wait_s": (None if cpu1["redis_wait"] is None else
                             max(0.0, cpu1["redis_wait"] - cpu0["redis_wait"])),
            "worker_wait_s": max(0.0, cpu1["workers_wait"]
                                 - cpu0["workers_wait"]),
            # the load generator shares the cores (reaped: RUSAGE_CHILDREN)
            "loadgen_cpu_s": (ru1.ru_utime + ru1.ru_stime
                              - ru0.ru_utime - ru0.ru_stime),
            "peak_rss_mib": {w.tag: peak_rss_mib(w.p.pid) for w in workers},
            "redis_bytes_per_event": (mem1 - mem0) / max(1, consumed),
            "redis_keys": footprint,
        }
        nb = (msum(ms, "redress_batches_total")
              - msum(m0, "redress_batches_total"))
        bs = (msum(ms, "redress_batch_seconds_sum")
              - msum(m0, "redress_batch_seconds_sum"))
        res["batches"] = nb
        res["events_per_batch"] = consumed / nb if nb else None
        res["batch_ms_mean"] = 1000.0 * bs / nb if nb else None
        res["redis_cores"] = res["redis_cpu_s"] / wall
        res["broker_cores"] = (None if res["broker_cpu_s"] is None
                               else res["broker_cpu_s"] / wall)
        res["worker_cores"] = res["worker_cpu_s"] / wall
        res["loadgen_cores"] = res["loadgen_cpu_s"] / wall
        res["redis_wait_share"] = (None if res["redis_wait_s"] is None
                                   else res["redis_wait_s"] / wall)
        res["worker_wait_cores"] = res["worker_wait_s"] / wall
        res.update(machine_share(cpu0, cpu1, res["loadgen_cpu_s"]))
        # Redis CPU (commands, Lua, its sockets) per event: sizes Redis.
        res["redis_us_per_event"] = (1e6 * res["redis_cpu_s"] / consumed
                                     if consumed else None)
        log("%s: %d events in %.2f s = %.0f events/s, p99 %s ms, %s" %
            (label, lg["published"], wall, res["rate"],
             fmt_num(res["latency_p99_ms"]),
             "every event consumed" if all_in else "NOT every event consumed"))
        return res
    finally:
        if reader:
            reader.kill()
        # All at once: a group's members leave together, not each into the
        # rebalance the one before started.
        for w in workers:
            w.signal_stop()
        for w in workers:
            w.stop()
        if restore:
            redis_config(r, restore)


def over_retention(lg):
    """'' unless the load generator put more in one partition than the dev
    broker keeps (it deletes a partition's oldest message sets past ~5
    MB); then what it put, for a message."""
    if not DEV_BROKER or lg["max_partition_bytes"] <= 0.9 * MOCK_PARTITION_BYTES:
        return ""
    return ("put %.1f MB in one partition, over the dev broker's ~%d MB" %
            (lg["max_partition_bytes"] / 1e6,
             MOCK_PARTITION_BYTES // (1024 * 1024)))


def retention_note(lg):
    """Why events can go missing: a worker that falls more than the dev
    broker's retention behind reads past the deleted message sets."""
    over = over_retention(lg)
    return (" (the phase %s: a worker that fell that far behind lost the "
            "oldest; use more --partitions or --paced-partitions)" % over
            if over else "")


def none_ms(v):
    return None if v is None else v * 1000.0


def phase_peer(r, count):
    """The same review handling without Redress: tests/bench/peer_reviews.py."""
    prefix = topic_prefix("peer")
    r.call("FLUSHDB")
    log_path = os.path.join(LOGS, "peer.log")
    p = subprocess.Popen(
        [sys.executable, os.path.join(TOP, "tests", "bench", "peer_reviews.py"),
         "--bootstrap", BOOTSTRAP, "--redis-url", REDIS_URL, "--topic",
         prefix + ".reviews", "--out-topic", cases_topic("peer"),
         "--group", "bench-%s-peer" % RUN_ID, "--count", str(count)],
        stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True,
        env=dict(ENV, **DEV_KAFKA_ENV))
    try:
        line = p.stdout.readline()
        if "ready" not in line:
            raise RuntimeError("peer did not start: see " + log_path)
        # Redis' CPU too, over the same span: the peer does its work in
        # its own process, Redress much of its in Redis' scripts.
        th0, rc0 = thread_cpu_seconds(p.pid), redis_cpu_seconds(r)
        t0 = time.time()
        lg = tool(loadgen_args(prefix, count, "reviews", "json", phase="peer"))
        out = p.stdout.readline()
        th1, rc1 = thread_cpu_seconds(p.pid), redis_cpu_seconds(r)
        t1 = time.time()
        rss = peak_rss_mib(p.pid)
        p.wait(30)
        res = json.loads(out)
        ok = res.get("processed") == lg["published"]
        if not ok:
            problems.append("peer processed %s of %d" %
                            (res.get("processed"), lg["published"]))
        wall = t1 - t0
        out = {"events": lg["published"], "seconds": wall,
               "rate": lg["published"] / wall,
               "cpu_s_per_1000": (sum(th1.values()) - sum(th0.values()))
               * 1000.0 / lg["published"],
               "cpu_s_per_1000_threads": split_per_1000(th1, th0,
                                                        lg["published"]),
               "redis_cpu_s": rc1 - rc0,
               "redis_us_per_event": 1e6 * (rc1 - rc0) / lg["published"],
               "peak_rss_mib": rss, "every_event_consumed": ok}
        log("python peer: %.0f events/s, %.3f CPU s per 1000 events, Redis "
            "%.0f us per event" % (out["rate"], out["cpu_s_per_1000"],
                                   out["redis_us_per_event"]))
        return out
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def fnv_shard(member):
    h = 2166136261
    for c in member.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h % TIMER_SHARDS


# How often the burst's fired count is read (the worker's /metrics).
BURST_SAMPLE_S = 0.005


def firing(samples):
    """A burst's firing from (seconds after the clock jump, timers fired)
    samples: the last sample with none fired (wake_s: the worker's idle
    sleep ended after it; the jump itself if the first sample saw some
    fired), the first with all of them, and the rate over that span:
    every timer of the burst fired within it, so the rate is a floor of
    the firing rate, to within a sample at either end, and leaves the
    worker's sleep out. rate None if no timer fired."""
    seen = [(t, n) for t, n in samples if n > 0]
    if not seen:
        return {"wake_s": None, "first_seen_s": None, "rate": None,
                "seconds": None, "fired": 0}
    before = [t for t, n in samples if n == 0 and t < seen[0][0]]
    t0 = before[-1] if before else 0.0
    t1, n1 = seen[-1]
    return {"wake_s": t0, "first_seen_s": seen[0][0], "seconds": t1 - t0,
            "fired": n1, "rate": n1 / (t1 - t0) if t1 > t0 else None}


def burst(r, w, to_ms, due, floor_per_s, left=None):
    """Move the test clock to to_ms and read timers worker w's count of
    timers fired every BURST_SAMPLE_S until the due ones fired (or
    max(60, due / floor_per_s) s went by): [(seconds after the jump,
    fired)]. With left, a function, the due ones fired once it returns 0
    too (asked only once as many fired as were due: firing may arm more,
    due at once). The worker finds the burst only when its idle sleep
    ends (timers.idle_max, 1 s, and up to 10% more), and then fires it in
    a fraction of that."""
    f0 = msum([w.metrics()], "redress_timers_fired_total")
    b0 = time.time()
    r.call("SET", "redress:clock:now_ms", str(to_ms))
    samples = []
    while time.time() - b0 < max(60, due / floor_per_s):
        fired = msum([w.metrics()], "redress_timers_fired_total") - f0
        samples.append((time.time() - b0, fired))
        if fired >= due and (left is None or left() == 0):
            return samples
        time.sleep(BURST_SAMPLE_S)
    return samples


def phase_timers(r, n):
    """(5) n pending timers armed by pipelined ZADD over an hour of the test
    clock; a due burst; lateness with the clock running at real pace."""
    import random
    rnd = random.Random(7)
    r.call("FLUSHDB")
    r.call("CONFIG", "RESETSTAT")
    t0 = int(time.time() * 1000)
    r.call("SET", "redress:clock:now_ms", str(t0))
    mem0 = int(r.info("memory")["used_memory"])
    dues = []
    a0 = time.time()
    chunk = []
    for i in range(n):
        member = "bench:%s:%d" % (RUN_ID, i)
        due = t0 + 1000 + rnd.randrange(3600 * 1000)
        dues.append(due)
        chunk.append(("ZADD", "redress:{t:%d}:due" % fnv_shard(member), due,
                      member))
        if len(chunk) == 10000:
            r.pipeline(chunk)
            chunk = []
    if chunk:
        r.pipeline(chunk)
    arm_s = time.time() - a0
    mem1 = int(r.info("memory")["used_memory"])
    per_timer = (mem1 - mem0) / n
    log("timers: %d armed in %.1f s, %.0f bytes of Redis each" %
        (n, arm_s, per_timer))
    dues.sort()
    w = Worker("timers", "timers-0", worker_env(
        topic_prefix("timers"), "bench-timers-" + RUN_ID, {
            "REDRESS_CLOCK_SOURCE": "test",
            "REDRESS_TIMERS_SHARDS": str(TIMER_SHARDS),
            "REDRESS_LOG_LEVEL": "error"}))
    try:
        w.wait_ready()
        # A burst: move the clock 12 minutes on, a fifth of the timers due.
        burst_to = t0 + 12 * 60 * 1000
        burst_n = sum(1 for d in dues if d <= burst_to)
        cpu0 = cpu_seconds(w.p.pid)
        samples = burst(r, w, burst_to, burst_n, 200.0)
        burst_s = samples[-1][0]
        fired = samples[-1][1]
        cpu1 = cpu_seconds(w.p.pid)
        if fired < burst_n:
            problems.append("timers: %d of %d due timers fired" %
                            (fired, burst_n))
        fr = firing(samples)
        log("timers: burst of %d: none fired %.3f s after the clock jump, "
            "%d fired %.3f s after it: %s timers/s" % (
                burst_n, fr["wake_s"] or 0, fr["fired"],
                (fr["wake_s"] or 0) + (fr["seconds"] or 0),
                fmt_num(fr["rate"])))
        # Lateness: the clock runs at real pace from burst_to for a while.
        h0 = hist([w.metrics()], "redress_timer_lateness_seconds")
        f1 = msum([w.metrics()], "redress_timers_fired_total")
        pace_s = 8.0 if SMALL else 20.0
        p0 = time.time()
        while time.time() - p0 < pace_s:
            now = burst_to + int((time.time() - p0) * 1000)
            r.call("SET", "redress:clock:now_ms", str(now))
            time.sleep(0.002)
        end_ms = burst_to + int(pace_s * 1000)
        paced_n = sum(1 for d in dues if burst_to < d <= end_ms)
        time.sleep(1.5)  # the last due ones fire (the clock stands still)
        ms = [w.metrics()]
        hd = hist_delta(hist(ms, "redress_timer_lateness_seconds"), h0)
        paced_fired = msum(ms, "redress_timers_fired_total") - f1
        res = {"pending": n, "arm_seconds": arm_s,
               "arm_rate": n / arm_s if arm_s else None,
               "redis_bytes_per_timer": per_timer,
               "burst_due": burst_n, "burst_fired": fired,
               # from the clock jump: the idle sleep included
               "burst_seconds": burst_s,
               "burst_rate": fired / max(burst_s, 1e-9),
               # from the last sample with none fired to the first with
               # all (firing()): the firing rate, its span, when it began
               "burst_fire_rate": fr["rate"],
               "burst_fire_seconds": fr["seconds"],
               "burst_wake_s": fr["wake_s"],
               # the reads' mean interval: the sleep and the read
               "burst_sample_s": ((samples[-1][0] - samples[0][0])
                                  / max(1, len(samples) - 1)),
               "burst_cpu_s_per_1000": (cpu1 - cpu0) * 1000.0 / max(1, fired),
               "paced_seconds": pace_s, "paced_due": paced_n,
               "paced_fired": paced_fired,
               "lateness_p50_ms": none_ms(quantile(hd, 0.50)),
               "lateness_p99_ms": none_ms(quantile(hd, 0.99)),
               "peak_rss_mib": peak_rss_mib(w.p.pid),
               "fired_over_time": samples[:: max(1, len(samples) // 50)]}
        log("timers: lateness p99 %s ms over %d timers at real pace" %
            (fmt_num(res["lateness_p99_ms"]), paced_fired))
        return res
    finally:
        w.stop()


# How far the clock moves for the burst of real cases' timers: past the
# first contacts (held for the buyer's daytime, hours at most) and the
# follow-ups a week after a first contact sent at once (BEHAVIOR.md 2).
CASE_TIMERS_JUMP_MS = (7 * 24 + 1) * 3600 * 1000

# The hour (UTC) of the test clock when those cases open, whatever the
# hour the bench runs: their buyers are in the same part of their day in
# every run (which first contacts wait for the morning, which go at
# once), so that runs made at different hours fire the same burst.
CASE_TIMERS_OPEN_HOUR_UTC = 12


def case_timers_open_ms(now_s):
    """The test clock's start for the cases: the next
    CASE_TIMERS_OPEN_HOUR_UTC from now_s (the reviews' created_at, the
    wall clock, is then up to a day before it, never after)."""
    day = 86400
    t = (int(now_s) // day) * day + CASE_TIMERS_OPEN_HOUR_UTC * 3600
    if t < now_s:
        t += day
    return t * 1000


def due_count(r, upto_ms, leased=False):
    """Timers due by upto_ms over the shards' due sets (and with leased,
    every timer a worker holds)."""
    return sum(int(r.call("ZCOUNT", "redress:{t:%d}:due" % s, "-inf",
                          str(upto_ms))) +
               (int(r.call("ZCARD", "redress:{t:%d}:lease" % s))
                if leased else 0) for s in range(TIMER_SHARDS))


def count_keys(r, kind, match):
    """Keys of a kind of KEY_KINDS (SCAN MATCH match, then its pattern)."""
    rx = dict(KEY_KINDS)[kind]
    return sum(1 for k in scan_keys(r, match) if rx.search(k))


def phase_case_timers(r, n):
    """(5) timers of real cases: a reviews worker opens the cases of n
    reviews on the test clock (their first contacts and follow-ups armed),
    then the clock moves CASE_TIMERS_JUMP_MS on and the timers worker
    fires every timer due: each one decided against its case, written and
    published, as in production. Its firing rate, what it published, and
    its and Redis' CPU and round trips per timer."""
    prefix = topic_prefix("timers")
    r.call("FLUSHDB")
    r.call("CONFIG", "RESETSTAT")
    t0 = case_timers_open_ms(time.time())
    r.call("SET", "redress:clock:now_ms", str(t0))
    env = {"REDRESS_CLOCK_SOURCE": "test",
           "REDRESS_TIMERS_SHARDS": str(TIMER_SHARDS)}
    rv = Worker("reviews", "ctimers-reviews", worker_env(
        prefix, "bench-ctimers-" + RUN_ID, env))
    try:
        wait_assigned([rv])
        lg = tool(loadgen_args(prefix, n, "reviews", "json",
                               phase="ctimers"))
        done = wait_applied([rv], lg["published"])
    finally:
        rv.stop()
    cases = count_keys(r, "cases", "redress:{c:*")
    if done < lg["published"]:
        problems.append("case timers: %d of %d reviews applied" %
                        (done, lg["published"]))
    pending = due_count(r, "+inf")
    burst_to = t0 + CASE_TIMERS_JUMP_MS
    burst_n = due_count(r, burst_to)
    w = Worker("timers", "ctimers-timers", worker_env(
        prefix, "bench-ctimers-timers-" + RUN_ID,
        dict(env, REDRESS_LOG_LEVEL="warn")))
    try:
        w.wait_ready()
        m0 = w.metrics()
        cpu0, rcpu0 = cpu_seconds(w.p.pid), redis_cpu_seconds(r)
        samples = burst(r, w, burst_to, burst_n, 100.0,
                        lambda: due_count(r, burst_to, leased=True))
        cpu1, rcpu1 = cpu_seconds(w.p.pid), redis_cpu_seconds(r)
        m1 = w.metrics()
        fired = samples[-1][1]
        left = due_count(r, burst_to, leased=True)
        if fired < burst_n or left:
            problems.append("case timers: %d fired of %d due, %d due or "
                            "leased still" % (fired, burst_n, left))
        fr = firing(samples)
        kinds = sorted({l.get("kind") for l, _ in
                        m1.get("redress_actions_total", [])})
        actions = {k: msum([m1], "redress_actions_total", kind=k)
                   - msum([m0], "redress_actions_total", kind=k)
                   for k in kinds}
        per = max(1, fired)
        res = {"reviews": lg["published"], "cases": cases,
               "pending": pending, "jump_ms": CASE_TIMERS_JUMP_MS,
               "burst_due": burst_n, "burst_fired": fired,
               # due or leased after the burst: none if every one fired
               "burst_left": left,
               "fire_rate": fr["rate"], "fire_seconds": fr["seconds"],
               "wake_s": fr["wake_s"],
               "sample_s": ((samples[-1][0] - samples[0][0])
                            / max(1, len(samples) - 1)),
               "actions": {k: v for k, v in actions.items() if v},
               "cpu_s_per_1000": (cpu1 - cpu0) * 1000.0 / per,
               "redis_us_per_timer": 1e6 * (rcpu1 - rcpu0) / per,
               "redis_roundtrips_per_timer": (
                   msum([m1], "redress_redis_roundtrips_total")
                   - msum([m0], "redress_redis_roundtrips_total")) / per,
               # firings refused (what the round read moved on before its
               # write: the case, or the counts its order's cases share),
               # fired again at once and counted in burst_fired only then
               "given_back": (
                   msum([m1], "redress_timers_given_back_total")
                   - msum([m0], "redress_timers_given_back_total")),
               "peak_rss_mib": peak_rss_mib(w.p.pid)}
        log("case timers: %d of %d pending due after the clock jump, %d "
            "fired: %s timers/s" % (burst_n, pending, fired,
                                    fmt_num(fr["rate"])))
        return res
    finally:
        w.stop()


# ---- report ----

def fmt_num(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return ("%%.%df" % digits) % v


def saturation(res):
    """Which resource ran out in a configuration: Redis or the broker if its
    process used most of a core; else CPU if the machine's cores were
    busy (/proc/stat over the phase: the bench's own processes and
    whatever else ran) or Redis, the stage every instance shares, waited
    for a free core a tenth of the time; else none. Says who kept the
    cores busy."""
    if res["redis_cores"] >= 0.85:
        return "Redis (%.2f cores)" % res["redis_cores"]
    broker = res.get("broker_cores")
    if broker is not None and broker >= 0.85:
        return "broker (%.2f cores)" % broker
    lg = res.get("loadgen_cores", 0.0)
    rw = res.get("redis_wait_share")
    busy = res.get("machine_busy_cores")
    if busy is None:
        # results.json of runs before the machine's CPU was read: the
        # bench's processes only
        busy = (res["worker_cores"] + lg +
                (res["redis_cores"] if RPID else 0.0) + (broker or 0.0))
        what = "%.2f of %d cores busy with the bench's processes" % (
            busy, NCPU)
        ours, others, steal = busy, 0.0, 0.0
    else:
        ours, others = res["bench_cores"], res["other_cores"]
        steal = res.get("steal_cores") or 0.0
        what = ("the machine's %d cores %.2f busy: %.2f the bench's "
                "processes (%.2f the load generator), %.2f other work on "
                "the machine%s" % (
                    NCPU, busy, ours, lg, others,
                    "; %.2f stolen by the hypervisor" % steal
                    if steal >= 0.05 else ""))
    if rw is not None:
        what += "; Redis waited for a free core %.0f%% of the time" % (
            100.0 * rw)
    if not RPID:
        what += "; the given Redis %.2f cores" % res["redis_cores"]
    if broker is None:
        what += "; the given Kafka not measured"
    if busy + steal >= 0.8 * NCPU or (rw or 0.0) >= 0.1:
        return "CPU (%s%s)" % (what, "; other work took %.2f cores: the "
                               "bench's figures are low" % others
                               if others >= 0.25 else "")
    return "none (%s)" % what


def redis_per_core(x):
    """Events/s one Redis core sustains at a phase's Redis CPU per event."""
    return 1e6 / x["redis_us_per_event"] if (x or {}).get(
        "redis_us_per_event") else None


def capacity(x, aof=None):
    """Events/s each stage of a phase would carry on a core of its own, from
    its CPU per event there: one worker instance, Redis, the dev broker
    (None when not measured); the shared stage (Redis or the broker) that
    runs out first, and at what multiple of one instance's rate; and Redis'
    rate from each of aof's rows (fsync policy -> the same phase on an
    append-only file). CPU per event grows a little when cores are shared,
    so these are floors, and a projection, not a measurement."""
    n = x.get("consumed") or 0
    worker = 1000.0 / x["cpu_s_per_1000"] if x.get("cpu_s_per_1000") else None
    shared = {"Redis": redis_per_core(x),
              "broker": (n / x["broker_cpu_s"]
                         if x.get("broker_cpu_s") and n else None)}
    known = {k: v for k, v in shared.items() if v}
    first = min(known, key=known.get) if known else None
    return {"basis": "reviews row, CPU per review; a core each (projected)",
            "reviews_instance_per_s": worker, "redis_per_s": shared["Redis"],
            "broker_per_s": shared["broker"], "saturates_first": first,
            "first_x_one_instance": (known[first] / worker
                                     if first and worker else None),
            "redis_per_s_aof": {f: redis_per_core(a)
                                for f, a in (aof or {}).items()
                                if redis_per_core(a)}}


def cluster_capacity(cap, cx):
    """With a core each and Redis Cluster's masters (CPU per review of its
    row): Redis' rate, what saturates first after the instances (Redis or
    the broker) and at what multiple of one instance, and what 2
    instances would reach; None without the row."""
    inst = cap.get("reviews_instance_per_s")
    per_core = redis_per_core(cx)
    if not inst or not per_core:
        return None
    shared = {"Redis Cluster": CLUSTER_MASTERS * per_core}
    if cap.get("broker_per_s"):
        shared["broker"] = cap["broker_per_s"]
    first = min(shared, key=shared.get)
    return {"masters": CLUSTER_MASTERS, "redis_per_s": shared["Redis Cluster"],
            "saturates_first": first,
            "first_x_one_instance": shared[first] / inst,
            "two_instances_x": min(2.0, shared[first] / inst)}


def redis_io_note(x):
    """Redis' network per event of a phase (older results.json lack it)."""
    if x.get("redis_in_bytes_per_event") is None:
        return ""
    return ("; Redis network per event: %s bytes in (%.2f socket reads), "
            "%s out" % (fmt_num(x["redis_in_bytes_per_event"], 0),
                        x["redis_reads_per_event"],
                        fmt_num(x["redis_out_bytes_per_event"], 0)))


def outputs_per_event(x):
    """Messages a phase's workers published per input event (None for
    results written before the count was kept)."""
    if "outputs_published" not in x or not x.get("events"):
        return None
    return x["outputs_published"] / x["events"]


def bare_rate(r, key):
    """The rate of the bare read a row of r is a ratio to (baseline_of());
    the mix's in results.json written before the rows had their own."""
    return (r.get(baseline_of(key)) or r["bare"])["rate"]


def fmt_latency(x, key):
    """A row's p50 or p99 for the table: "~" before one from the workers'
    histogram (approximate: interpolated in its buckets), none before one
    measured per event."""
    v = x.get(key)
    if v is None:
        return "-"
    return ("~" if x.get("latency_source") == "histogram" else "") + \
        fmt_num(v)


def burst_note(t):
    """The timer burst as the table says it: the firing rate over the span
    in which every timer fired, and apart when the worker woke (its idle
    sleep); results.json before the firing was sampled: from the clock
    jump."""
    if "burst_wake_s" not in t:
        return "%s timers/s from the clock jump" % fmt_num(t["burst_rate"])
    if t.get("burst_fire_rate") is None:
        return "none fired"
    return ("%s timers/s, all of them fired within %s ms (from the last "
            "read of the worker's count with none fired to the first with "
            "all, reads every %.0f ms or so: a floor of the rate); none had "
            "fired %s ms after the clock jump (the worker's idle sleep, "
            "timers.idle_max and up to 10%% more)" % (
                fmt_num(t["burst_fire_rate"]),
                fmt_num(1000 * t["burst_fire_seconds"]),
                1000 * t["burst_sample_s"],
                fmt_num(1000 * (t["burst_wake_s"] or 0))))


def case_timers_note(c):
    """The burst of real cases' timers as the table says it."""
    acts = sum(c["actions"].values())
    kinds = ", ".join("%s %s" % (k, fmt_num(v, 0)) for k, v in
                      sorted(c["actions"].items(), key=lambda kv: -kv[1]))
    rate = ("none fired" if c["fire_rate"] is None else
            "%s timers/s, all of them fired within %s ms" % (
                fmt_num(c["fire_rate"]), fmt_num(1000 * c["fire_seconds"])))
    more = c["burst_fired"] - c["burst_due"]
    if more > 0:
        rate += (" (%s more fired than were due: timers the burst armed, "
                 "due at once)" % fmt_num(more, 0))
    if c.get("given_back"):
        rate += " (%s firings given back, what the round read moved on " \
                "before its write, and fired again)" % fmt_num(
                    c["given_back"], 0)
    return ("  burst of real cases' timers: %s of %s pending due once the "
            "clock moved %.0f h on (the %s cases %s reviews opened: first "
            "contacts, follow-ups), each decided against its case, written "
            "and published: %s; %s actions (%.2f per timer: %s); per timer "
            "%s Redis round trips, Redis CPU %s us; the timers worker %.3f "
            "CPU s per 1,000 timers, peak RSS %.1f MiB" % (
                fmt_num(c["burst_due"], 0), fmt_num(c["pending"], 0),
                c["jump_ms"] / 3600000.0, fmt_num(c["cases"], 0),
                fmt_num(c["reviews"], 0), rate, fmt_num(acts, 0),
                acts / max(1, c["burst_fired"]), kinds or "none",
                "%.3f" % c["redis_roundtrips_per_timer"],
                fmt_num(c["redis_us_per_timer"]), c["cpu_s_per_1000"],
                c["peak_rss_mib"]))


def peer_cpu(r):
    """CPU s per 1,000 reviews of the reviews row and the peer, the
    clients' and their Redis', and Redress' ratio to the peer per CPU
    second both ways: client_x (the clients only), complete_x (client and
    Redis); None without the peer's Redis CPU (results.json before it was
    read)."""
    rv, p = r.get("reviews"), r.get("peer")
    if not rv or not p or p.get("redis_us_per_event") is None or \
            rv.get("redis_us_per_event") is None:
        return None
    c = {"redress_client": rv["cpu_s_per_1000"],
         "redress_redis": rv["redis_us_per_event"] / 1000.0,
         "peer_client": p["cpu_s_per_1000"],
         "peer_redis": p["redis_us_per_event"] / 1000.0}
    c["client_x"] = c["peer_client"] / c["redress_client"]
    c["complete_x"] = ((c["peer_client"] + c["peer_redis"])
                       / (c["redress_client"] + c["redress_redis"]))
    return c


def report(r):
    bare = r["bare"]["rate"]
    rows = []
    hdr = ("configuration", "events", "events/s", "x bare", "p50 ms",
           "p99 ms", "RT/event", "cmds/event", "out/event", "CPU s/1k",
           "peak RSS MiB", "all consumed")
    for key in WORKER_PHASES:
        x = r.get(key)
        if not x:
            continue
        rows.append((x["label"], str(x["events"]), fmt_num(x["rate"]),
                     "%.2f" % (x["rate"] / bare_rate(r, key)),
                     fmt_latency(x, "latency_p50_ms"),
                     fmt_latency(x, "latency_p99_ms"),
                     "%.3f" % x["redis_roundtrips_per_event"],
                     "%.1f" % x["redis_server_calls_per_event"],
                     fmt_num(outputs_per_event(x)),
                     "%.3f" % x["cpu_s_per_1000"],
                     "%.1f" % max(x["peak_rss_mib"].values()),
                     "yes" if x["every_event_consumed"] else "NO"))
    b70 = r.get("bare_70")
    if b70:
        rows.append(("bare consumer at 70% (to receipt)", str(b70["events"]),
                     fmt_num(b70["rate"]),
                     "%.2f" % (b70["rate"] / bare_rate(r, "bare_70")),
                     fmt_num(b70["latency_p50_ms"]),
                     fmt_num(b70["latency_p99_ms"]), "-", "-", "-", "-", "-",
                     "yes" if b70["consumed_all"] else "NO"))
    p = r.get("peer")
    if p:
        rows.append(("python peer (reviews)", str(p["events"]),
                     fmt_num(p["rate"]),
                     "%.2f" % (p["rate"] / bare_rate(r, "peer")), "-", "-",
                     "1.000", "1.0", "1.0", "%.3f" % p["cpu_s_per_1000"],
                     "%.1f" % p["peak_rss_mib"],
                     "yes" if p["every_event_consumed"] else "NO"))
    bases = [(k, n) for k, n in BARE_ROWS if r.get(k)]
    for i, (k, name) in enumerate(bases if len(bases) > 1 else
                                  [("bare", "bare consumer (1)")]):
        b = r[k]
        rows.insert(i, (name, str(b["events"]), fmt_num(b["rate"]), "1.00",
                        "-", "-", "-", "-", "-", "-", "-",
                        "yes" if b["consumed_all"] else "NO"))
    widths = [max(len(h), *(len(row[i]) for row in rows))
              for i, h in enumerate(hdr)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                       for i, (h, w) in enumerate(zip(hdr, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
    out = ["", "Redress benchmark, run %s (%d cores, %s)" %
           (r.get("run_id", RUN_ID), r.get("cores", NCPU),
            "small" if r.get("small", SMALL) else "full"), ""]
    b, e = r.get("build") or {}, r.get("environment") or {}
    if b or e:
        out[-1:-1] = ["Build %s, commit %s; Redis %s, librdkafka %s; %s, "
                      "Linux %s" % (b.get("version") or "?",
                                    b.get("commit") or "?",
                                    e.get("redis_version") or "?",
                                    e.get("librdkafka_version") or "?",
                                    e.get("cpu_model") or "CPU ?",
                                    e.get("kernel") or "?")]
    if r.get("kafka_source", "dev").startswith("given") or \
            r.get("redis_source", "started").startswith("given"):
        out[-1:-1] = ["Kafka %s: %s; Redis %s: %s" % (
            r["kafka_source"], r["bootstrap"], r["redis_source"],
            r["redis_url"])]
    out += lines
    if r.get("paced_partitions", PARTITIONS) != r.get("partitions",
                                                      PARTITIONS):
        out += ["", "Topics of %d partitions; the rows at 25%%, 50%% and 70%% "
                "of max (bare consumer included) on %d%s" % (
                    r["partitions"], r["paced_partitions"],
                    ": the dev broker answers a fetch with one message set "
                    "per partition, found by walking its log (README, "
                    "\"Latency at 70%\")"
                    if r.get("kafka_source", "dev").startswith("dev")
                    else "")]
    if r.get("paced_max_given"):
        out += ["", "The rows at 25%%, 50%% and 70%% of max are paced at "
                "those shares of %s reviews/s (--max-rate), not of the "
                "reviews row's %s" % (fmt_num(r["paced_max_rate"]),
                                      fmt_num(r["reviews"]["rate"]))]
    if len(bases) > 1:
        spans = ["%s %s to %s events/s" % (
            name.rsplit(", ", 1)[1], fmt_num(min(r[k]["reads"])),
            fmt_num(max(r[k]["reads"]))) for k, name in bases
            if len(r[k].get("reads") or []) > 1]
        kept = ["%s (the broker kept %s of %s)" % (
            name.rsplit(", ", 1)[1], fmt_num(r[k]["events"], 0),
            fmt_num(r[k]["published"], 0)) for k, name in bases
            if r[k].get("published", r[k]["events"]) > r[k]["events"]]
        out += ["", "Bare consumer (1): each row's x bare is its events/s "
                "over the bare consumer's read of the same events: the "
                "reviews rows' (and the peer's) over the reviews phase's "
                "input topic read again once the phase is over, the chats "
                "and shipments rows' over theirs, the fleet's over a "
                "backlog of the same mix; each the median of %d reads, each "
                "of every partition from its first offset (assigned, no "
                "group), timed from its first message to its last: %s%s" % (BARE_READS, "; ".join(spans),
                                "; " + ", ".join(kept) if kept else "")]
    else:
        reads = r["bare"].get("reads")
        if reads and len(reads) > 1:
            out += ["", "Bare consumer (1): the median of %d reads of the "
                    "same backlog, each by a group of its own: %s to %s "
                    "events/s" % (len(reads), fmt_num(min(reads)),
                                  fmt_num(max(reads)))]
    if any((r.get(k) or {}).get("latency_source") for k in WORKER_PHASES):
        out += ["", "p50/p99: each review from its input's Kafka timestamp "
                "to its first output's on its phase's case topic (%s: "
                "redress.cases of the contract), its case.classified, over "
                "every "
                "review of the phase (the fleet's: its reviews); ~: the "
                "chats and shipments publish no output per event, so theirs "
                "come from the workers' histogram (to the effects applied), "
                "interpolated in its buckets and capped at the phase's wall "
                "time: approximate; the bare consumer at 70%%: to receipt "
                "(no work, no outputs), its events/s what it read" %
                r.get("cases_topic", CASES_TOPIC)]
    rd = r["redis"]
    out += ["",
            "Redis baseline (2): apply script via redis-benchmark, EVALSHA "
            "-P 16: %s applies/s" % fmt_num(rd["applies_per_s"])]
    for key in ("reviews",) + AOF_PHASES + LZ4_PHASES + PACED + ("fleet",):
        if key in r:
            x = r[key]
            rw = x.get("redis_wait_share")
            broker = x.get("broker_cores")
            out.append("  %s: %.0f%% of the Redis apply ceiling; busy: Redis "
                       "%.2f%s, broker %s, "
                       "workers %.2f (and %.2f waiting), load generator "
                       "%.2f cores%s; %s events per batch, %s ms per batch "
                       "(two cycles: a batch stays in flight during the "
                       "next); Redis CPU %s us per event, i.e. one Redis "
                       "core for ~%s events/s%s" % (
                           x["label"],
                           100.0 * x["rate"] / rd["applies_per_s"],
                           x["redis_cores"],
                           "" if rw is None else
                           " (and %.2f waiting for a core)" % rw,
                           "- (not measured: elsewhere)" if broker is None
                           else "%.2f" % broker, x["worker_cores"],
                           x.get("worker_wait_cores", 0.0),
                           x.get("loadgen_cores", 0.0),
                           "" if x.get("machine_busy_cores") is None else
                           "; the machine's cores %.2f busy, %.2f of them "
                           "other work" % (x["machine_busy_cores"],
                                           x["other_cores"]),
                           fmt_num(x["events_per_batch"], 0),
                           fmt_num(x["batch_ms_mean"]),
                           fmt_num(x.get("redis_us_per_event"), 0),
                           fmt_num(redis_per_core(x), 0)
                           if redis_per_core(x) else "-",
                           redis_io_note(x)))
    base = r["reviews"]
    parts = []
    for f, key in zip(AOF_FSYNC, AOF_PHASES):
        x = r.get(key)
        if x and x.get("redis_us_per_event") and \
                base.get("redis_us_per_event"):
            parts.append("appendfsync %s %s us (x%.2f), %s reviews/s (x%.2f)"
                         % (f, fmt_num(x["redis_us_per_event"], 0),
                            x["redis_us_per_event"]
                            / base["redis_us_per_event"],
                            fmt_num(x["rate"]), x["rate"] / base["rate"]))
    lz4 = []
    for key, ref, name in (("reviews_lz4", "reviews", "without the file"),
                           ("reviews_aof_everysec_lz4", "reviews_aof_everysec",
                            "with appendfsync everysec")):
        x, y = r.get(key), r.get(ref)
        if x and y and x.get("redis_us_per_event") and \
                y.get("redis_us_per_event"):
            lz4.append("%s %s us (x%.2f), %s reviews/s (x%.2f)%s" % (
                name, fmt_num(x["redis_us_per_event"], 0),
                x["redis_us_per_event"] / y["redis_us_per_event"],
                fmt_num(x["rate"]), x["rate"] / y["rate"],
                ", %s bytes in per review (x%.2f)" % (
                    fmt_num(x["redis_in_bytes_per_event"], 0),
                    x["redis_in_bytes_per_event"]
                    / y["redis_in_bytes_per_event"])
                if x.get("redis_in_bytes_per_event") and
                y.get("redis_in_bytes_per_event") else ""))
    if lz4:
        out += ["", "Outbox bundles stored compressed (storage.compression "
                "lz4; the reviews rows again): Redis CPU per review, "
                "reviews/s and Redis' network, against the same rows with "
                "none: %s" % "; ".join(lz4)]
    cx = r.get("reviews_cluster")
    if cx and cx.get("redis_us_per_event") and base.get("redis_us_per_event"):
        per_core = redis_per_core(cx)
        out += ["", "Redis Cluster (the reviews row again, on %d masters the "
                "bench started on the same cores; README \"Redis Cluster\"): "
                "%s reviews/s (x%.2f), Redis CPU %s us per review over all "
                "the masters (x%.2f), %.3f round trips and %.1f commands per "
                "review (%.3f and %.1f on one Redis); with a core per "
                "master, Redis would carry ~%s reviews/s (%d x %s)" % (
                    CLUSTER_MASTERS, fmt_num(cx["rate"]),
                    cx["rate"] / base["rate"],
                    fmt_num(cx["redis_us_per_event"], 0),
                    cx["redis_us_per_event"] / base["redis_us_per_event"],
                    cx["redis_roundtrips_per_event"],
                    cx["redis_server_calls_per_event"],
                    base["redis_roundtrips_per_event"],
                    base["redis_server_calls_per_event"],
                    fmt_num(CLUSTER_MASTERS * per_core, 0), CLUSTER_MASTERS,
                    fmt_num(per_core, 0))]
    xw = r.get("reviews_wait")
    if xw and xw.get("redis_us_per_event") and base.get("redis_us_per_event"):
        out += ["", "Waiting for a replica (redis.wait_replicas 1: the "
                "reviews row again, every pipeline ending with WAIT for a "
                "replica of the bench's Redis on the same cores; README "
                "\"Redis for the fleet\"): %s reviews/s (x%.2f), p99 %s ms "
                "(%s), %.3f round trips per review (%.3f), Redis CPU %s us "
                "per review (x%.2f), the replica's %s us" % (
                    fmt_num(xw["rate"]), xw["rate"] / base["rate"],
                    fmt_num(xw.get("latency_p99_ms")),
                    fmt_num(base.get("latency_p99_ms")),
                    xw["redis_roundtrips_per_event"],
                    base["redis_roundtrips_per_event"],
                    fmt_num(xw["redis_us_per_event"], 0),
                    xw["redis_us_per_event"] / base["redis_us_per_event"],
                    fmt_num(xw["replica_us_per_event"], 0))]
    if parts:
        out += ["", "Redis with an append-only file (the reviews row again; "
                "README \"Redis for the fleet\"): Redis CPU per review and "
                "reviews/s against %s us and %s reviews/s without: %s" % (
                    fmt_num(base["redis_us_per_event"], 0),
                    fmt_num(base["rate"]), "; ".join(parts))]
    pc = peer_cpu(r)
    if pc:
        out += ["", "Against the Python peer, CPU s per 1,000 reviews (the "
                "reviews row and the peer's, each with its Redis' over the "
                "same phase): Redress %.3f in the worker + %.3f in Redis = "
                "%.3f; the peer %.3f + %.3f = %.3f. Per CPU second, Redress "
                "does %.1fx the peer's reviews counting the clients only, "
                "%.1fx with Redis" % (
                    pc["redress_client"], pc["redress_redis"],
                    pc["redress_client"] + pc["redress_redis"],
                    pc["peer_client"], pc["peer_redis"],
                    pc["peer_client"] + pc["peer_redis"],
                    pc["client_x"], pc["complete_x"])]
    th = r["reviews"].get("cpu_s_per_1000_threads")
    pth = (r.get("peer") or {}).get("cpu_s_per_1000_threads")
    if th:
        out += ["", "CPU s per 1,000 reviews by thread (reviews row): "
                "event loop %.3f (decode, classify, casework, Redis), "
                "librdkafka %.3f (fetch, produce, acks), other %.3f" % (
                    th["loop"], th["kafka"], th["other"]) + (
                    "; Python peer: main %.3f, librdkafka %.3f" % (
                        pth["loop"], pth["kafka"]) if pth else "")]
    mem = [x for x in (r.get(k) for k in WORKER_PHASES)
           if x and x.get("redis_keys")]
    if mem:
        out += ["", "Redis memory, what a phase left per event once every "
                "event was applied (the dataset and its key tables; by kind "
                "of key, MEMORY USAGE of up to %d keys a kind):" %
                FOOTPRINT_SAMPLE]
        for x in mem:
            kinds = sorted(x["redis_keys"].items(),
                           key=lambda kv: -kv[1]["bytes"])
            out.append("  %s: %s bytes per event; %s" % (
                x["label"], fmt_num(x["redis_bytes_per_event"], 0),
                ", ".join("%s %s (%s keys)" % (
                    k, fmt_num(v["bytes"] / x["events"], 0),
                    fmt_num(v["keys"], 0)) for k, v in kinds)
                or "no keys"))
        rv = r.get("reviews") or {}
        if rv.get("redis_bytes_per_event") and rv.get("redis_keys"):
            per = 1e6 / rv["events"] / 2**30
            kk = rv["redis_keys"]
            exp = sum(v["bytes"] * v.get("expiring", 0) for v in kk.values())
            kept = sorted(k for k, v in kk.items()
                          if v.get("expiring", 0) < 0.5 and k != "timers")
            out.append("  1,000,000 reviews: ~%.1f GiB of Redis; keys with an "
                       "expiry ~%.2f GiB of it, timers ~%.2f GiB (gone as "
                       "they fire); no expiry on %s" % (
                           rv["redis_bytes_per_event"] * 1e6 / 2**30,
                           exp * per,
                           kk.get("timers", {}).get("bytes", 0.0) * per,
                           ", ".join(
                               k + " (open: kept until they close, then "
                               "retention.closed_cases)" if k == "cases"
                               else k for k in kept) or "none"))
    out += ["", "Scaling (4), reviews worker instances in one group:"]
    one = r["reviews"]["rate"]
    for key, n in (("reviews", 1), ("reviews_x2", 2), ("reviews_x4", 4)):
        x = r[key]
        out.append("  %d: %s events/s = %.2fx one instance; saturated: %s" %
                   (n, fmt_num(x["rate"]), x["rate"] / one, saturation(x)))
    cap = r["capacity"] = capacity(r["reviews"], {
        f: r.get(key) for f, key in zip(AOF_FSYNC, AOF_PHASES)})
    first = cap["saturates_first"]
    if cap["first_x_one_instance"] is not None:
        aof = cap["redis_per_s_aof"]
        out.append("  With a core each (CPU per review of the reviews row): "
                   "a reviews instance ~%s/s, Redis ~%s/s, the %s ~%s/s; "
                   "%s saturates first, at %.2fx one instance's rate, and "
                   "more instances than that need more %s%s" % (
                       fmt_num(cap["reviews_instance_per_s"], 0),
                       fmt_num(cap["redis_per_s"], 0),
                       "dev broker" if RPID else "broker",
                       fmt_num(cap["broker_per_s"], 0)
                       if cap["broker_per_s"] else "- (not measured)",
                       first, cap["first_x_one_instance"],
                       "Redis (masters of a Redis Cluster: see its line)"
                       if first == "Redis" else "broker capacity",
                       "; Redis on an append-only file: %s" % ", ".join(
                           "~%s/s (appendfsync %s, %.2fx)" % (
                               fmt_num(v, 0), f,
                               v / cap["reviews_instance_per_s"])
                           for f, v in aof.items()) if aof else ""))
    cc = r["capacity_cluster"] = cluster_capacity(
        cap, r.get("reviews_cluster"))
    if cc:
        out.append("  With a core each and Redis on a Redis Cluster of %d "
                   "masters (CPU per review of its row): Redis ~%s/s; the %s "
                   "saturates first, at %.2fx one instance's rate, so 2 "
                   "instances would reach %.2fx (a projection: this machine "
                   "has no cores for it)" % (
                       cc["masters"], fmt_num(cc["redis_per_s"], 0),
                       "dev broker" if cc["saturates_first"] == "broker" and
                       RPID else cc["saturates_first"],
                       cc["first_x_one_instance"], cc["two_instances_x"]))
    t = r["timers"]
    out += ["", "Timers (5): %s pending, armed in %.1f s; %.0f bytes of Redis "
            "per pending timer" % (fmt_num(t["pending"]), t["arm_seconds"],
                                   t["redis_bytes_per_timer"]),
            "  burst of %s due at once (timers of no known kind: the "
            "worker completes them, no real work): %s; at real pace (%d "
            "fired in %.0f s): lateness p50 %s ms, p99 %s ms" % (
                fmt_num(t["burst_due"]), burst_note(t),
                t["paced_fired"], t["paced_seconds"],
                fmt_num(t["lateness_p50_ms"]), fmt_num(t["lateness_p99_ms"]))]
    if t.get("cases"):
        out.append(case_timers_note(t["cases"]))
    # Targets.
    tg = []
    rv = r["reviews"]
    ratio = rv["rate"] / bare_rate(r, "reviews")
    tg.append(("reviews end to end >= 50% of the bare consumer",
               "%.0f%% (of its read of the same reviews)" % (100 * ratio)
               if r.get("bare_reviews") else "%.0f%%" % (100 * ratio),
               ratio >= 0.5))
    if p:
        per_review = outputs_per_event(rv)
        more = "" if per_review is None else \
            "; publishing %.1f messages per review to its 1" % per_review
        if pc:
            tg.append(("reviews >= 10x the Python peer per CPU second "
                       "(client + Redis)",
                       "%.1fx (clients only %.1fx%s)" % (
                           pc["complete_x"], pc["client_x"], more),
                       pc["complete_x"] >= 10))
        else:
            per_cpu = p["cpu_s_per_1000"] / rv["cpu_s_per_1000"]
            tg.append(("reviews >= 10x the Python peer per CPU second",
                       "%.1fx (clients only%s)" % (per_cpu, more),
                       per_cpu >= 10))
    tg.append(("<= 0.2 Redis round trips per event at full load",
               "%.3f" % rv["redis_roundtrips_per_event"],
               rv["redis_roundtrips_per_event"] <= 0.2))
    l70 = r.get("reviews_70")
    if l70:
        b70 = r.get("bare_70") or {}
        behind = ""
        if l70["rate"] < 0.95 * l70["rate_target"]:
            # Published / (publication start to all processed) short of
            # the paced rate: the queue grew, the p99 is its length.
            behind = ("; the worker fell behind (%s of %s events/s end to "
                      "end): the p99 is its backlog" %
                      (fmt_num(l70["rate"]), fmt_num(l70["rate_target"])))
        of = " of --max-rate" if r.get("paced_max_given") else ""
        tg.append(("p99 <= 50 ms at 70%% of max rate (%s events/s%s, %d "
                   "partitions)" % (fmt_num(l70["rate_target"]), of,
                                    l70.get("partitions", PARTITIONS)),
                   "%s ms (the bare consumer, to receipt: %s ms)%s" % (
                       fmt_num(l70["latency_p99_ms"]),
                       fmt_num(b70.get("latency_p99_ms")), behind),
                   l70["latency_p99_ms"] is not None
                   and l70["latency_p99_ms"] <= 50))
    worst = max(((tag, v) for key in WORKER_PHASES
                 if key in r for tag, v in r[key]["peak_rss_mib"].items()),
                key=lambda tv: tv[1])
    worst = max([worst, ("timers", t["peak_rss_mib"])] +
                ([("timers, real cases", t["cases"]["peak_rss_mib"])]
                 if t.get("cases") else []), key=lambda tv: tv[1])
    tg.append(("peak RSS <= 64 MiB per worker",
               "%.1f MiB (%s)" % (worst[1], worst[0]), worst[1] <= 64))
    # The verdict is the ratio's; what saturated is its explanation.
    x2 = r["reviews_x2"]["rate"] / one
    sat = saturation(r["reviews_x2"])
    tg.append(("2 instances >= 1.7x one (until Redis or broker saturates)",
               "%.2fx; saturated: %s%s" % (
                   x2, sat, "" if cap["first_x_one_instance"] is None else
                   "; with a core each, %s first, at %.2fx one instance" % (
                       first, cap["first_x_one_instance"])) + (
                   "; on %d masters of a Redis Cluster, 2 instances %.2fx "
                   "(projected)" % (cc["masters"], cc["two_instances_x"])
                   if cc else ""),
               x2 >= 1.7))
    out += ["", "Targets (benchmarks, not tests):"]
    for name, val, ok in tg:
        out.append("  %-58s %-34s %s" % (name, val, "ok" if ok else "MISSED"))
    out += ["", "Checks: " + ("every published event was consumed in every "
                              "phase (consumed == published, dead letters 0, "
                              "group lag 0)" if not problems else
                              "PROBLEMS: " + "; ".join(problems))]
    r["targets"] = [{"target": n, "measured": v, "ok": ok} for n, v, ok in tg]
    return "\n".join(out) + "\n"


def write_plot(r):
    dat = os.path.join(OUT, "bench.dat")
    with open(dat, "w") as f:
        f.write("# configuration events_per_s p50_ms p99_ms\n")
        for k, name in BARE_ROWS:
            if r.get(k):
                f.write('"bare, %s" %.1f 0 0\n' % (name.rsplit(", ", 1)[1],
                                                   r[k]["rate"]))
        for key in WORKER_PHASES:
            x = r.get(key)
            if x:
                # ~: from the workers' histogram, approximate
                f.write('"%s%s" %.1f %.3f %.3f\n' % (
                    x["label"], " ~" if x.get("latency_source") ==
                    "histogram" else "", x["rate"],
                    x["latency_p50_ms"] or 0, x["latency_p99_ms"] or 0))
        if "bare_70" in r:
            x = r["bare_70"]
            f.write('"bare at 70%% (to receipt)" %.1f %.3f %.3f\n' % (
                x["rate"], x["latency_p50_ms"] or 0, x["latency_p99_ms"] or 0))
        if "peer" in r:
            f.write('"python peer" %.1f 0 0\n' % r["peer"]["rate"])
    gp = os.path.join(OUT, "bench.gp")
    with open(gp, "w") as f:
        f.write("""set terminal pngcairo size 1300,900 noenhanced
set output '%s'
set multiplot layout 2,1 title 'Redress benchmark, run %s'
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -25
set rmargin 18
set grid ytics
set ylabel 'events/s (log)'
set title 'Throughput per configuration (end to end)'
set logscale y
plot '%s' using 2:xtic(1) notitle lc rgb '#3070b0', \\
     '' using 0:2:(sprintf('%%.0f', $2)) with labels offset 0,0.8 notitle
set title "Latency: a review's input Kafka timestamp to its first output's (~: chats, shipments: the workers' histogram, approximate; the bare consumer: to receipt)"
set ylabel 'ms (log)'
set yrange [0.5:*]
set arrow from graph 0, first 50 to graph 1, first 50 nohead dt 2 lc rgb '#404040'
set label 'p99 target: 50 ms' at graph 0.01, first 35 font ',9'
set style histogram clustered gap 1
plot '%s' using ($3>0?$3:1/0):xtic(1) title 'p50' lc rgb '#60a060', \\
     '' using ($4>0?$4:1/0) title 'p99' lc rgb '#c04040'
unset multiplot
""" % (os.path.join(OUT, "bench.png"), RUN_ID, dat, dat))
    p = subprocess.run(["gnuplot", gp], stderr=subprocess.PIPE, text=True)
    if p.returncode:
        # pngcairo may be missing from gnuplot-nox: fall back to png.
        txt = open(gp).read().replace("pngcairo", "png")
        open(gp, "w").write(txt)
        p = subprocess.run(["gnuplot", gp], stderr=subprocess.PIPE, text=True)
    if p.returncode:
        log("gnuplot failed: " + p.stderr.strip()[-300:])


def main():
    global RADDR
    os.makedirs(LOGS, exist_ok=True)
    RADDR = redis_addr(REDIS_URL)
    try:
        r = Redis(RADDR)
    except (OSError, RuntimeError) as e:
        raise RuntimeError("Redis at %s: %s" % (redact(REDIS_URL), e))
    keys = 0 if RPID or FLUSH_REDIS else r.call("DBSIZE")
    if keys:
        # Every phase starts with FLUSHDB.
        raise RuntimeError(
            "%s holds %d keys: the bench flushes its database between "
            "phases; give it an empty one (another /db) or pass "
            "--flush-redis" % (redact(REDIS_URL), keys))
    res = {"run_id": RUN_ID, "cores": NCPU, "small": SMALL, "events": EVENTS,
           "partitions": PARTITIONS, "paced_partitions": PACED_PARTITIONS,
           "bootstrap": BOOTSTRAP, "cases_topic": CASES_TOPIC,
           "kafka_source": "dev broker (started by the bench)" if DEV_BROKER
           else "given (--bootstrap)",
           "redis_url": redact(REDIS_URL),
           "redis_source": "started by the bench" if RPID
           else "given (--redis-url)",
           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    res["build"] = build_info()
    res["environment"] = environment(r)
    t_start = time.time()
    created = [] if DEV_BROKER else create_topics()
    try:
        run_phases(r, res)
    finally:
        delete_topics(created)
    res["seconds"] = time.time() - t_start
    table = report(res)
    res["problems"] = problems
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
    with open(os.path.join(OUT, "table.txt"), "w") as f:
        f.write(table)
    write_plot(res)
    sys.stdout.write(table)
    print("Wrote %s, %s and %s (%.0f s)" % (
        os.path.join(OUT, "results.json"), os.path.join(OUT, "table.txt"),
        os.path.join(OUT, "bench.png"), res["seconds"]))
    return 1 if problems else 0


def build_info():
    """The workers' version and commit, as `redress-reviews --version`
    prints them ("redress-reviews 0.1.0 (commit 0123abcd4567)")."""
    p = subprocess.run([os.path.join(BIN, "redress-reviews"), "--version"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    m = re.match(r"\S+ (\S+) \(commit ([^)]*)\)", p.stdout)
    return {"version": m.group(1), "commit": m.group(2)} if m else {}


def environment(r):
    """What ran where: the machine, Redis, librdkafka (what the workers
    were built against); None where it cannot be told."""
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        rdkafka = subprocess.run(
            ["pkg-config", "--modversion", "rdkafka"], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True).stdout.strip() or None
    except OSError:
        rdkafka = None
    return {"cpu_model": cpu, "kernel": os.uname().release,
            "redis_version": r.info("server").get("redis_version"),
            "librdkafka_version": rdkafka}


def run_phases(r, res):
    n = EVENTS
    res["bare"] = phase_bare(r)
    res["redis"] = phase_redis(r)
    mixed = "reviews=60,chats=25,shipments=15"
    res["reviews"] = phase_workers(r, "reviews", ["reviews"], "reviews", n,
                                   fmt="json", phase="rev")
    # (1) for the reviews rows: the same reviews, read bare.
    res["bare_reviews"] = phase_bare_same("rev", "reviews",
                                          res["reviews"]["events"])
    if RPID:
        # What keeping what Redis acknowledged costs (README "Redis for the
        # fleet"): the reviews row again, on an append-only file. Only on
        # the bench's own Redis: a given one keeps its settings.
        for fsync, key in zip(AOF_FSYNC, AOF_PHASES):
            res[key] = phase_workers(
                r, "reviews, Redis AOF %s" % fsync, ["reviews"], "reviews",
                n, fmt="json", phase="aof" + fsync,
                settings=aof_settings(fsync))
    # The same with the outbox compressed: what it saves Redis, on its
    # own and with the file (README "Redis for the fleet").
    res["reviews_lz4"] = phase_workers(
        r, "reviews, outbox lz4", ["reviews"], "reviews", n, fmt="json",
        phase="lz4", env=LZ4_ENV)
    if RPID:
        res["reviews_aof_everysec_lz4"] = phase_workers(
            r, "reviews, outbox lz4, AOF everysec", ["reviews"], "reviews",
            n, fmt="json", phase="aoflz4", env=LZ4_ENV,
            settings=aof_settings("everysec"))
    if RPID:
        # Redis split over masters (README "Redis Cluster"): only where
        # the bench starts its Redis, it starts the cluster's too.
        try:
            cl = start_cluster(CLUSTER_MASTERS)
            res["reviews_cluster"] = phase_workers(
                cl, "reviews, Redis Cluster (%d masters)" % CLUSTER_MASTERS,
                ["reviews"], "reviews", n, fmt="json", phase="clu",
                env={"REDRESS_REDIS_URL": cl.url})
        finally:
            stop_cluster()
        # What a batch waiting for a replica costs (redis.wait_replicas,
        # README "Redis for the fleet"): the reviews row again, with one
        # replica of the bench's Redis that every pipeline waits for.
        try:
            rpid = start_replica()
            cpu0 = cpu_seconds(rpid)
            x = res["reviews_wait"] = phase_workers(
                r, "reviews, WAIT for 1 replica", ["reviews"], "reviews", n,
                fmt="json", phase="wait", env=WAIT_ENV)
            x["replica_us_per_event"] = (cpu_seconds(rpid) - cpu0) / n * 1e6
        finally:
            stop_cluster()
    res["chats"] = phase_workers(r, "chats", ["chats"], "chats", n,
                                 phase="chat")
    res["bare_chats"] = phase_bare_same("chat", "chats",
                                        res["chats"]["events"])
    res["shipments"] = phase_workers(r, "shipments", ["shipments"],
                                     "shipments", n, phase="ship")
    res["bare_shipments"] = phase_bare_same("ship", "shipments",
                                            res["shipments"]["events"])
    res["fleet"] = phase_workers(r, "fleet (4 workers, mix)",
                                 ["reviews", "chats", "shipments", "timers"],
                                 mixed, n, phase="fleet")
    res["reviews_x2"] = phase_workers(r, "reviews x2", ["reviews"], "reviews",
                                      n, fmt="json", instances=2, phase="x2")
    res["reviews_x4"] = phase_workers(r, "reviews x4", ["reviews"], "reviews",
                                      n, fmt="json", instances=4, phase="x4")
    secs70 = 8 if SMALL else 20
    res["paced_max_rate"] = MAX_RATE or res["reviews"]["rate"]
    res["paced_max_given"] = bool(MAX_RATE)  # else the reviews row's
    # The latency curve below the 70% point: where the worker is not short
    # of CPU (a paced load costs the dev broker more than a burst).
    for pct in LOAD_STEPS:
        rate = pct / 100.0 * res["paced_max_rate"]
        res["reviews_%d" % pct] = phase_workers(
            r, "reviews at %d%% of max" % pct, ["reviews"], "reviews",
            max(500, int(rate * secs70 / 2)), fmt="json", rate=rate,
            phase="r%d" % pct)
    rate70 = 0.7 * res["paced_max_rate"]
    res["reviews_70"] = phase_workers(
        r, "reviews at 70% of max", ["reviews"], "reviews",
        max(1000, int(rate70 * secs70)), fmt="json", rate=rate70, phase="r70")
    res["bare_70"] = phase_bare_paced(rate70, max(1000, int(rate70 * secs70)))
    res["peer"] = phase_peer(r, max(2000, n // 4))
    res["timers"] = phase_timers(r, TIMERS)
    res["timers"]["cases"] = phase_case_timers(r, n)
    # Which bare read each row's x bare is over (tests/bench/compare).
    for key in WORKER_PHASES + ("bare_70", "peer"):
        if key in res:
            res[key]["baseline"] = baseline_of(key)


if __name__ == "__main__":
    if sys.argv[1:] == ["--topics"]:
        # NAME:PARTITIONS a line: the dev broker's --topic arguments.
        print("\n".join("%s:%d" % tn for tn in bench_topics()))
        sys.exit(0)
    try:
        sys.exit(main())
    except Exception as e:  # a phase could not run: say which and why
        log("FAILED: %s" % e)
        sys.exit(1)
