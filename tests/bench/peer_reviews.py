#!/usr/bin/env python3
"""The peer baseline of tests/bench/run: review handling written the way a
team would without Redress, with Debian's python3-confluent-kafka and
python3-redis. For each review: decode the JSON, classify it with a keyword
list, write the result to Redis (one HSET, one round trip), produce one
case message; after each batch, wait for the deliveries and commit the
offsets (at-least-once, like the workers). No dedupe, no outbox, no
protobuf: less work per event than Redress does, on purpose.

Prints "ready" once it owns partitions, and after --count reviews one JSON
line: {"processed": N, "seconds": S} (first message to last).
"""
import argparse
import json
import os
import sys
import time

import redis
from confluent_kafka import Consumer, Producer

KEYWORDS = {
    "product_quality": ["broke", "broken", "cheap", "quality", "stopped",
                        "defect", "roto", "calidad", "质量", "坏"],
    "logistics": ["late", "shipping", "delivery", "weeks", "tarde", "envío",
                  "物流", "慢"],
    "packaging_damage": ["crushed", "box", "damaged", "caja", "aplastad",
                         "包装", "压"],
    "size_fit": ["size", "small", "large", "fit", "talla", "尺码", "偏小"],
    "wrong_item": ["wrong", "different", "otro", "错"],
    "customer_service": ["seller", "answer", "respond", "vendedor", "客服"],
}
EXTORTION = ["refund me", "or i will", "reembolso o", "不退款"]


def classify(text, rating):
    t = text.lower()
    reasons = [r for r, words in KEYWORDS.items() if any(w in t for w in words)]
    sentiment = "negative" if rating <= 2 else "neutral" if rating == 3 \
        else "positive"
    malicious = "extortion" if any(w in t for w in EXTORTION) else "none"
    return sentiment, reasons[0] if reasons else "none", malicious


def kafka_env():
    """librdkafka properties from REDRESS_KAFKA_<PROPERTY> (as the workers
    and the bench's C tools read them), bootstrap excepted."""
    return {k[len("REDRESS_KAFKA_"):].lower().replace("_", "."): v
            for k, v in os.environ.items()
            if k.startswith("REDRESS_KAFKA_") and k != "REDRESS_KAFKA_BOOTSTRAP"
            and len(k) > len("REDRESS_KAFKA_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--topic", default="redress.reviews")
    ap.add_argument("--out-topic", default="redress.cases")
    ap.add_argument("--group", default="peer-reviews")
    ap.add_argument("--count", type=int, required=True)
    a = ap.parse_args()

    r = redis.Redis.from_url(a.redis_url)
    # The workers' Kafka settings in the bench (bench.py sets
    # REDRESS_KAFKA_FETCH_WAIT_MAX_MS for the dev broker) apply here too.
    env = kafka_env()
    c = Consumer(dict({"bootstrap.servers": a.bootstrap, "group.id": a.group,
                       "auto.offset.reset": "earliest",
                       "enable.auto.commit": False}, **env))
    p = Producer(dict({"bootstrap.servers": a.bootstrap, "linger.ms": 5,
                       "enable.idempotence": True},
                      **{k: v for k, v in env.items()
                         if not k.startswith("fetch.")}))
    said_ready = []

    def on_assign(consumer, parts):
        if not said_ready:
            said_ready.append(1)
            print("ready", flush=True)

    c.subscribe([a.topic], on_assign=on_assign)
    n, first, last = 0, None, None
    while n < a.count:
        msgs = c.consume(num_messages=500, timeout=0.1)
        if not msgs:
            continue
        for m in msgs:
            if m.error():
                continue
            ev = json.loads(m.value())
            sentiment, reason, malicious = classify(ev.get("text", ""),
                                                    ev.get("rating", 3))
            case_id = "%s:%s:%s" % (ev["platform"], ev["store_id"],
                                    ev["review_id"])
            r.hset("peer:case:" + case_id, mapping={
                "sentiment": sentiment, "reason": reason,
                "malicious": malicious, "rating": ev.get("rating", 0)})
            out = {"event_id": "case-" + ev["event_id"],
                   "type": "case.classified", "case_id": case_id,
                   "sentiment": sentiment, "reason": reason,
                   "malicious": malicious}
            p.produce(a.out_topic, json.dumps(out).encode(), key=m.key())
            p.poll(0)
            n += 1
            if first is None:
                first = time.monotonic()
        p.flush()
        c.commit(asynchronous=False)
        last = time.monotonic()
    c.close()
    print(json.dumps({"processed": n, "seconds": (last or 0) - (first or 0)}),
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
