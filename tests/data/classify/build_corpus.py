#!/usr/bin/env python3
"""Assembles the labelled classifier corpus from the hand-written sources in
src/ and splits it 60/40 into train and test, deterministically.

    python3 tests/data/classify/build_corpus.py

Sources (one item a line, '#' starts a comment):
  src/reviews.<lang>.txt  rating|sentiment|reasons|malicious|extras|text
  src/chats.<lang>.txt    intent|text
Codes: sentiment n/u/p (negative/neutral/positive); reasons, main first:
q product_quality, d not_as_described, s size_fit, w wrong_item, l logistics,
p packaging_damage, c customer_service, o stock_out, a after_sales, x other,
'-' none; malicious '-' none, E extortion, P professional, C competitor,
A abusive; intents a agree, r refuse, e extortion, q question, t thanks.
extras (space-separated): p:LEVEL/AGE_DAYS/REVIEWS/NEGATIVE (buyer profile),
t:tag+tag (fleet buyer tags), c:intent+intent (earlier chat intents).
A review without p: gets an ordinary buyer profile drawn from a seeded
generator (or none, one time in five), as most review events carry one.
The split is stratified by language, main reason and malicious class.
"""
import hashlib, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = ["en", "es", "zh"]
SENT = {"n": "negative", "u": "neutral", "p": "positive"}
REASON = {"q": "product_quality", "d": "not_as_described", "s": "size_fit",
          "w": "wrong_item", "l": "logistics", "p": "packaging_damage",
          "c": "customer_service", "o": "stock_out", "a": "after_sales",
          "x": "other"}
MAL = {"-": "none", "E": "extortion", "P": "professional", "C": "competitor",
       "A": "abusive"}
INTENT = {"a": "agree", "r": "refuse", "e": "extortion", "q": "question",
          "t": "thanks"}
TAGS = {"professional", "extortion", "competitor"}
COUNTRY = {"en": ["US", "GB", "AU", "CA"], "es": ["ES", "MX", "AR", "CO", "CL"],
           "zh": ["CN"]}


def fail(path, n, msg):
    sys.exit("%s:%d: %s" % (path, n, msg))


def lines(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield n, line


def ordinary_profile(rng, lang):
    total = rng.randint(3, 300)
    return {"account_level": rng.randint(3, 10),
            "account_age_days": rng.randint(200, 4000),
            "reviews_total": total,
            "negative_reviews_total": rng.randint(0, max(1, total // 10)),
            "country": rng.choice(COUNTRY[lang])}


def reviews(lang):
    path = os.path.join(HERE, "src", "reviews.%s.txt" % lang)
    rng = random.Random("redress-corpus-" + lang)
    out = []
    for n, line in lines(path):
        parts = line.split("|", 5)
        if len(parts) != 6:
            fail(path, n, "expected 6 fields")
        rating, s, rs, m, extras, text = parts
        if rating not in "12345" or len(rating) != 1:
            fail(path, n, "bad rating")
        if s not in SENT or m not in MAL:
            fail(path, n, "bad sentiment or malicious code")
        if rs == "-":
            reasons = []
        else:
            if any(c not in REASON for c in rs) or len(set(rs)) != len(rs):
                fail(path, n, "bad reasons '%s'" % rs)
            reasons = [REASON[c] for c in rs]
        item = {"id": "%s-r-%04d" % (lang, len(out) + 1), "text": text.strip(),
                "rating": int(rating), "language": lang}
        buyer, tags, chats = None, [], []
        for x in extras.split():
            if x.startswith("p:"):
                v = [int(a) for a in x[2:].split("/")]
                buyer = {"account_level": v[0], "account_age_days": v[1],
                         "reviews_total": v[2], "negative_reviews_total": v[3]}
            elif x.startswith("t:"):
                tags = x[2:].split("+")
                if not set(tags) <= TAGS:
                    fail(path, n, "bad tag")
            elif x.startswith("c:"):
                chats = x[2:].split("+")
                if not set(chats) <= set(INTENT.values()):
                    fail(path, n, "bad chat intent")
            else:
                fail(path, n, "bad extra '%s'" % x)
        r = rng.random()
        if buyer is None and r >= 0.2:
            buyer = ordinary_profile(rng, lang)
        if buyer is not None:
            item["buyer"] = buyer
        item["buyer_tags"] = tags
        item["chat_intents"] = chats
        item["label"] = {"sentiment": SENT[s],
                         "reason": reasons[0] if reasons else "none",
                         "reasons": reasons, "malicious": MAL[m]}
        out.append(item)
    return out


def chats(lang):
    path = os.path.join(HERE, "src", "chats.%s.txt" % lang)
    out = []
    for n, line in lines(path):
        parts = line.split("|", 1)
        if len(parts) != 2 or parts[0] not in INTENT:
            fail(path, n, "expected intent|text")
        out.append({"id": "%s-c-%04d" % (lang, len(out) + 1),
                    "text": parts[1].strip(), "language": lang,
                    "label": {"intent": INTENT[parts[0]]}})
    return out


def split(items, key):
    """60/40 per stratum; order within a stratum by a hash of the text."""
    strata = {}
    for it in items:
        strata.setdefault(key(it), []).append(it)
    train, test = [], []
    for k in sorted(strata):
        group = sorted(strata[k], key=lambda it: hashlib.sha256(
            it["text"].encode()).hexdigest())
        n_test = int(round(len(group) * 0.4))
        test += group[:n_test]
        train += group[n_test:]
    order = lambda it: it["id"]
    return sorted(train, key=order), sorted(test, key=order)


def write(name, items):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")


def main():
    revs, chs = [], []
    for lang in LANGS:
        revs += reviews(lang)
        chs += chats(lang)
    tr, te = split(revs, lambda it: (it["language"], it["label"]["reason"],
                                     it["label"]["malicious"]))
    write("reviews.train.jsonl", tr)
    write("reviews.test.jsonl", te)
    ctr, cte = split(chs, lambda it: (it["language"], it["label"]["intent"]))
    write("chats.train.jsonl", ctr)
    write("chats.test.jsonl", cte)
    for name, items in (("reviews train", tr), ("reviews test", te),
                        ("chats train", ctr), ("chats test", cte)):
        per = {l: sum(1 for it in items if it["language"] == l) for l in LANGS}
        print("%-14s %4d  %s" % (name, len(items), per))


if __name__ == "__main__":
    main()
