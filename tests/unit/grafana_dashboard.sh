#!/usr/bin/env bash
# deploy/grafana/redress.json as Grafana would import it: a dashboard with
# its uid, the datasource, worker and instance variables, panels of unique
# ids laid out on the 24-column grid without overlapping, each query on
# the ${datasource} variable and filtered by the worker (and instance)
# variables; and every query is PromQL that Prometheus parses (promtool
# check rules, the Grafana variables replaced by values; exit 77, skipped,
# without promtool). That every series the queries name is one a worker
# exposes is checked against the workers' /metrics by it_faults. No
# servers.
#   grafana_dashboard.sh SOURCE_DIR
set -uo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$src/deploy/grafana/redress.json" "$tmp/rules.yaml" <<'EOF' || exit 1
import json, re, sys

path, rules_out = sys.argv[1], sys.argv[2]
errors = []


def err(msg):
    errors.append(msg)


with open(path, encoding="utf-8") as f:
    d = json.load(f)
if d.get("uid") != "redress-fleet":
    err(f"uid is {d.get('uid')!r}, not redress-fleet (links and provisioning name it)")
variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
for name in ("datasource", "worker", "instance"):
    if name not in variables:
        err(f"no ${name} variable")
if variables.get("datasource", {}).get("query") != "prometheus":
    err("the datasource variable is not of Prometheus data sources")
for name in ("worker", "instance"):
    v = variables.get(name, {})
    if v.get("allValue") != ".*" or not v.get("includeAll"):
        err(f"${name}: 'All' must be the regex .* (queries filter with =~)")
    if "redress_" not in json.dumps(v.get("query")):
        err(f"${name}: its values are not read from a redress_ series")

ids, cells, exprs = set(), {}, []
for p in d.get("panels", []):
    pid, title = p.get("id"), p.get("title", "?")
    if pid in ids:
        err(f"panel id {pid} twice")
    ids.add(pid)
    g = p.get("gridPos") or {}
    if not all(isinstance(g.get(k), int) for k in "xywh"):
        err(f"{title}: gridPos incomplete")
        continue
    if g["x"] < 0 or g["w"] < 1 or g["x"] + g["w"] > 24:
        err(f"{title}: beyond the 24 columns ({g})")
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            if (x, y) in cells:
                err(f"{title} overlaps {cells[(x, y)]}")
                break
            cells[(x, y)] = title
        else:
            continue
        break
    if p.get("type") == "row":
        continue
    if (p.get("datasource") or {}).get("uid") != "${datasource}":
        err(f"{title}: not on the ${{datasource}} variable")
    if not p.get("description"):
        err(f"{title}: no description (what the panel shows, which alert)")
    targets = p.get("targets") or []
    if not targets:
        err(f"{title}: no query")
    for t in targets:
        e = t.get("expr", "")
        if (t.get("datasource") or {}).get("uid") != "${datasource}":
            err(f"{title} {t.get('refId')}: not on the ${{datasource}} variable")
        for m in re.finditer(r"(redress_[a-z_]+)(\{([^}]*)\})?", e):
            if 'worker=~"$worker"' not in (m.group(3) or ""):
                err(f"{title}: {m.group(1)} not filtered by worker=~\"$worker\"")
        exprs.append((title, e))

# The queries as Prometheus reads them: Grafana's variables replaced.
subst = {"$__rate_interval": "1m", "$__range": "6h", "$worker": ".*", "$instance": ".*"}
with open(rules_out, "w") as f:
    f.write("groups:\n  - name: redress_dashboard\n    rules:\n")
    for i, (title, e) in enumerate(exprs):
        for k, v in subst.items():
            e = e.replace(k, v)
        if "$" in e:
            err(f"{title}: a variable this check does not know: {e}")
        f.write(f"      - record: redress_dashboard:q{i}\n        expr: {json.dumps(e)}\n")

for e in errors:
    print("FAIL:", e, file=sys.stderr)
print(f"{len(ids)} panels, {len(exprs)} queries", file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: the queries' PromQL needs promtool (deploy/local/setup --tests)" >&2
  exit 77
fi
promtool check rules "$tmp/rules.yaml" >"$tmp/out" 2>&1 || {
  cat "$tmp/out" >&2
  echo "FAIL: a dashboard query is not PromQL Prometheus parses" >&2
  exit 1
}
