#!/usr/bin/env bash
# deploy/k8s as a cluster would take it: the kustomization renders
# (kubectl kustomize; without kubectl, its resources are read as kustomize
# would put them together), the namespace it names is one of its objects,
# every Deployment runs the pinned image under the restricted security
# context, as the user the image's Containerfile sets and with a worker
# the image installs as its command, with startup, liveness and readiness
# probes, a grace period above shutdown.timeout, a PodDisruptionBudget
# and the generated ConfigMap; and that ConfigMap's redress.yaml passes
# every worker's --check-config. The structural checks need python3 with
# PyYAML (exit 77, skipped, without it). No servers.
#   k8s_manifests.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
k8s=$src/deploy/k8s
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $*" >&2
  failed=1
}

# The ConfigMap's file, with paths.configs pointed at the source tree's
# configs/ (the image's /usr/local/etc/redress), as every worker reads it.
grep -q '^  configs: /usr/local/etc/redress$' "$k8s/redress.yaml" ||
  fail "redress.yaml: paths.configs is not the image's /usr/local/etc/redress"
sed "s|^  configs: /usr/local/etc/redress\$|  configs: $src/configs|" \
  "$k8s/redress.yaml" >"$tmp/redress.yaml"
for w in reviews chats shipments timers; do
  REDRESS_CONFIG=$tmp/redress.yaml REDRESS_METRICS_LISTEN=0.0.0.0:9464 \
    REDRESS_KAFKA_BOOTSTRAP=kafka:9092 REDRESS_REDIS_URL=redis://redis:6379 \
    "$bin/redress-$w" --check-config >"$tmp/out" 2>&1 ||
    fail "redress-$w --check-config of deploy/k8s/redress.yaml: exit $?: $(tail -c 600 "$tmp/out")"
done

rendered=
if command -v kubectl >/dev/null 2>&1; then
  if kubectl kustomize "$k8s" >"$tmp/rendered.yaml" 2>"$tmp/err"; then
    rendered=$tmp/rendered.yaml
  else
    fail "kubectl kustomize deploy/k8s: $(cat "$tmp/err")"
  fi
fi

if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "SKIP: the structural checks need python3 with PyYAML" >&2
  [ $failed -eq 0 ] && exit 77
  exit 1
fi

python3 - "$k8s" "$rendered" <<'EOF' || failed=1
import os, re, sys, yaml

k8s, rendered = sys.argv[1], sys.argv[2]
errors = []


def err(msg):
    errors.append(msg)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


kust = load(os.path.join(k8s, "kustomization.yaml"))[0]
ns = kust.get("namespace")
if rendered:
    objs = load(rendered)
else:
    # What kubectl kustomize would make of it, as far as checked below.
    objs = []
    for r in kust.get("resources", []):
        objs += load(os.path.join(k8s, r))
    for g in kust.get("configMapGenerator", []):
        for f in g.get("files", []):
            if not os.path.exists(os.path.join(k8s, f)):
                err(f"configMapGenerator {g['name']}: no file {f}")
        objs.append({"kind": "ConfigMap", "metadata": {"name": g["name"]}})
    tags = {i["name"]: i for i in kust.get("images", [])}
    for o in objs:
        if o["kind"] != "Namespace":
            o["metadata"].setdefault("namespace", ns)
        if o["kind"] == "Deployment":
            for c in o["spec"]["template"]["spec"]["containers"]:
                i = tags.get(c["image"].split(":")[0])
                if i and "newTag" in i:
                    c["image"] = f"{i.get('newName', i['name'])}:{i['newTag']}"

kinds = {}
for o in objs:
    kinds.setdefault(o["kind"], []).append(o)

if not ns:
    err("kustomization.yaml sets no namespace")
elif ns not in [n["metadata"]["name"] for n in kinds.get("Namespace", [])]:
    err(f"no Namespace object {ns} (the kustomization's namespace)")
for o in objs:
    if o["kind"] != "Namespace" and o["metadata"].get("namespace") != ns:
        err(f"{o['kind']} {o['metadata']['name']}: not in namespace {ns}")

with open(os.path.join(k8s, "redress.yaml")) as f:
    conf = yaml.safe_load(f) or {}
units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
m = re.fullmatch(r"(\d+)(ms|s|m|h)", str((conf.get("shutdown") or {}).get("timeout", "10s")))
shutdown = int(m.group(1)) * units[m.group(2)] if m else None
if shutdown is None:
    err("redress.yaml: shutdown.timeout is not a duration this check reads")

# The user the image runs as: its last stage's USER.
image_user = None
with open(os.path.join(k8s, "..", "container", "Containerfile")) as f:
    for line in f:
        if line.split()[:1] == ["FROM"]:
            image_user = None
        elif line.split()[:1] == ["USER"]:
            image_user = line.split()[1]

configmaps = [c["metadata"]["name"] for c in kinds.get("ConfigMap", [])]
pdbs = kinds.get("PodDisruptionBudget", [])
deployments = kinds.get("Deployment", [])
workers = {"reviews", "chats", "shipments", "timers"}
names = {d["metadata"]["name"] for d in deployments}
if names != {f"redress-{w}" for w in workers}:
    err(f"Deployments {sorted(names)}: expected one per worker")

for d in deployments:
    name = d["metadata"]["name"]
    spec = d["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        err(f"{name}: pod securityContext.runAsNonRoot is not true")
    pod_user = f"{psc.get('runAsUser')}:{psc.get('runAsGroup')}"
    if pod_user != image_user:
        err(f"{name}: runs as {pod_user}, the image (deploy/container/Containerfile) as {image_user}")
    for c in pod["containers"]:
        prog = (c.get("command") or [""])[0]
        if not re.fullmatch(r"/usr/local/bin/redress-(reviews|chats|shipments|timers)", prog):
            err(f"{name}/{c['name']}: command {prog!r} is not a worker the image installs "
                f"(/usr/local/bin/redress-<worker>)")
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        err(f"{name}: pod seccompProfile is not RuntimeDefault")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if shutdown is not None and not grace > shutdown:
        err(f"{name}: terminationGracePeriodSeconds {grace} is not above shutdown.timeout ({shutdown} s)")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        cname = f"{name}/{c['name']}"
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            err(f"{cname}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            err(f"{cname}: readOnlyRootFilesystem is not true")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            err(f"{cname}: capabilities do not drop ALL")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe not in c:
                err(f"{cname}: no {probe}")
        image = c.get("image", "")
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if "@sha256:" not in image and (not tag or tag == "latest"):
            err(f"{cname}: image {image!r} is not pinned to a version")
        if c.get("imagePullPolicy") != "IfNotPresent":
            err(f"{cname}: imagePullPolicy is not IfNotPresent")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        path = env.get("REDRESS_CONFIG")
        mounts = [m for m in c.get("volumeMounts", [])
                  if path and path.startswith(m["mountPath"].rstrip("/") + "/")]
        if not mounts:
            err(f"{cname}: REDRESS_CONFIG {path!r} is in no mounted volume")
        for m in mounts:
            cm = (volumes.get(m["name"]) or {}).get("configMap", {}).get("name")
            if cm not in configmaps:
                err(f"{cname}: {m['mountPath']} is not the generated ConfigMap ({cm!r}, not in {configmaps})")
    covering = [p for p in pdbs
                if p["spec"]["selector"].get("matchLabels")
                and p["spec"]["selector"]["matchLabels"].items() <= labels.items()]
    if len(covering) != 1:
        err(f"{name}: {len(covering)} PodDisruptionBudgets select its pods, not 1")
    for p in covering:
        if p["spec"].get("maxUnavailable") != 1:
            err(f"{name}: PodDisruptionBudget {p['metadata']['name']} maxUnavailable is not 1")

for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

exit $failed
