#!/usr/bin/env bash
# it_demo: the README's first command, `deploy/local/fleet demo`, with the
# days after it (`--days 12`, on the test clock), on a fleet of its own
# (real redis-server, the dev broker, one process of every worker, all
# from BUILD_DIR). It must end as the samples lead to (the demo's own
# --expect-state and --expect-action checks: an appeal accepted, one
# rejected, a case resumed by an agent after the buyer's question, an
# agent's appeal filed, the resumed case's coupon sent once a manager
# approved it, a case closed by its buyer's no), with one appeal.file for
# each of the three appealed cases, two staff.review of one case (the
# question, the coupon over the limit), an incentive for each of the two
# cases in outreach that long, one nudge before the buyer said no and
# none after, no dead letter, every process still up and, under the
# sanitizers, no report in the workers' logs. A second demo (without
# --days) on the same fleet publishes every sample again and must change
# nothing: each event applied once. The demo names the cases; here they
# are counted from its ACTIONS table. Once the fleet is down, redress-show
# must fail, saying the brokers are gone.
#
#   tests/integration/it_demo.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
export REDRESS_BUILD_DIR
REDRESS_BUILD_DIR=$(cd "$1" && pwd)
export REDRESS_FLEET_DIR
REDRESS_FLEET_DIR=$(mktemp -d /tmp/redress-it-demo.XXXXXX)
fleet="$top/deploy/local/fleet"
failed=0

fail() { echo "it_demo: FAIL: $*" >&2; failed=1; }
finish() {
  "$fleet" down >/dev/null 2>&1 || true
  if [ "$failed" -ne 0 ] || [ -n "${REDRESS_KEEP_TEST_DIRS:-}" ]; then
    echo "it_demo: the fleet's logs are in $REDRESS_FLEET_DIR/logs" >&2
  else
    rm -rf "$REDRESS_FLEET_DIR"
  fi
}
trap finish EXIT

out="$REDRESS_FLEET_DIR/demo.out"
if ! "$fleet" demo --days 12 >"$out" 2>"$REDRESS_FLEET_DIR/demo.err"; then
  cat "$out" "$REDRESS_FLEET_DIR/demo.err" >&2
  fail "fleet demo exited non-zero"
  exit 1
fi
cat "$out"
summary=$(tail -n 1 "$out")
n=$(grep -c . "$top/tests/data/samples/reviews.jsonl")
case $summary in
  *"($n case.classified, $n expected)"*) ;;
  *) fail "expected $n case.classified: $summary" ;;
esac
# The review of each action of kind $1 on a case, a line each (ACTIONS:
# KIND CHANNEL LANG DUE_AT REVIEW CASE/SHIPMENT MESSAGE).
reviews_of() { awk -v k="$1" '$1 == k && $6 ~ /^cs_/ { print $5 }' "$out"; }
appealed=$(reviews_of appeal.file)
[ "$(grep -c . <<<"$appealed")" -eq 3 ] && [ "$(sort -u <<<"$appealed" | grep -c .)" -eq 3 ] ||
  fail "not one appeal.file for each of 3 cases: $(tr '\n' ' ' <<<"$appealed")"
staff=$(reviews_of staff.review | sort | uniq -c | awk '{ print $1, $2 }')
[ "$staff" = "2 rv-ta-013" ] ||
  fail "not two staff.review of the paused case (the question, the coupon): $(tr '\n' ' ' <<<"$staff")"
incentives=$(reviews_of outreach.incentive | sort | tr '\n' ' ')
[ "$incentives" = "rv-ta-011 rv-ta-013 " ] ||
  fail "not one outreach.incentive for each case still in outreach after 8 days: $incentives"
[ "$(reviews_of outreach.nudge | grep -c '^rv-ta-011$')" -eq 1 ] ||
  fail "not exactly one nudge to the buyer who said no after it"
grep -q 'the buyer of rv-ta-011 says no' "$REDRESS_FLEET_DIR/demo.err" ||
  fail "the demo's days did not come to the buyer's no"

dlq=$("$fleet" dlq list 2>/dev/null | tail -n +2)
[ -z "$dlq" ] || fail "dead letters: $dlq"
# The buyer who demanded $60 on Amazon is tagged fleet-wide: the report
# of the buyer says so, and a dry run of lifting it would lift it (and
# changes nothing: the second demo below must find the fleet as it was).
buyer=$("$fleet" report --platform amazon --buyer amzb-k-rowe88 2>/dev/null) ||
  fail "fleet report --buyer amzb-k-rowe88: exit $?"
grep -qx "Tags in the fleet: extortion" <<<"$buyer" &&
  grep -Eq "^  amz-sierra-outdoor +cs_[0-9a-f]{32}  (malicious|appealed|resolved|closed)" <<<"$buyer" ||
  fail "the buyer's report has not the extortion tag and the case: $buyer"
lift=$("$fleet" buyer untag --platform amazon --buyer amzb-k-rowe88 --tag extortion \
  --reason "a look" --dry-run 2>/dev/null) || fail "fleet buyer untag --dry-run: exit $?"
[ "$(head -n 1 <<<"$lift")" = "Would lift amzb-k-rowe88 on amazon: extortion; demands cleared: none" ] ||
  fail "fleet buyer untag --dry-run said: $lift"

# Again: every sample and answer published a second time.
again="$REDRESS_FLEET_DIR/demo-again.out"
if ! "$fleet" demo >"$again" 2>>"$REDRESS_FLEET_DIR/demo.err"; then
  fail "the second fleet demo exited non-zero"
elif [ "$(tail -n 1 "$again")" != "$summary" ]; then
  fail "the second demo changed what the fleet published: $(tail -n 1 "$again"), was: $summary"
fi

# A case message published again after later ones (a worker stopped
# between publishing and acknowledging does that): a case.opened of
# rv-ta-011 from before its close, on the case's partition (keyed by store
# and order, as the fleet keys it), read after the close. The case's state
# is still that of its latest decision.
set -a; . "$REDRESS_FLEET_DIR/env"; set +a
nudged=cs_02a8487ee361a49a18f01671efb59d9d
at=$(date -u -d "-1 hour" +%FT%TZ)
echo "{\"event_id\":\"ev-it-demo-again\",\"type\":\"case.opened\",\"case_id\":\"$nudged\",\"platform\":\"taobao\",\"store_id\":\"tb-hanfeng-apparel\",\"review_id\":\"rv-ta-011\",\"order_id\":\"3981209911204475531\",\"buyer_id\":\"tbb-chen_jiajia\",\"product_id\":\"tb-6650012349\",\"rating\":2,\"language\":\"zh\",\"sentiment\":\"negative\",\"reason\":\"size_fit\",\"reasons\":[\"size_fit\"],\"malicious\":\"none\",\"confidence\":0.989,\"state\":\"outreach\",\"occurred_at\":\"$at\"}" |
  "$REDRESS_BUILD_DIR/bin/redress-publish" --raw --kind reviews --topic redress.cases 2>/dev/null
"$REDRESS_BUILD_DIR/bin/redress-show" --eof --timeout 10 --expect-state "$nudged=closed" \
  >"$REDRESS_FLEET_DIR/show-again.out" 2>&1 ||
  fail "an older case message read again made rv-ta-011's case not closed: $(grep '^redress-show:' "$REDRESS_FLEET_DIR/show-again.out")"
# The demo's case.opened and the one published again.
[ "$(awk '$2 == "rv-ta-011" && $3 == "opened"' "$REDRESS_FLEET_DIR/show-again.out" | grep -c .)" -eq 2 ] ||
  fail "not two case.opened of rv-ta-011 read (the demo's, the one published again)"

"$fleet" status >"$REDRESS_FLEET_DIR/status.out" 2>&1 ||
  fail "a process of the fleet is down: $(cat "$REDRESS_FLEET_DIR/status.out")"
# What status is for: one worker dead, another frozen. Every process has
# its row (the dead one "dead", the frozen one "no answer"), the command
# ends within seconds, and says not all is well (exit 1).
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$REDRESS_FLEET_DIR/pids"; }
kill -KILL "$(pid_of shipments)"
kill -STOP "$(pid_of chats)"
sleep 0.5
rc=0
timeout 30 "$fleet" status >"$REDRESS_FLEET_DIR/status-bad.out" 2>&1 || rc=$?
kill -CONT "$(pid_of chats)"
[ $rc -eq 1 ] || fail "fleet status with a worker dead and one frozen: exit $rc, not 1: $(cat "$REDRESS_FLEET_DIR/status-bad.out")"
grep -Eq '^shipments +[0-9]+ +dead' "$REDRESS_FLEET_DIR/status-bad.out" ||
  fail "fleet status shows no dead shipments: $(cat "$REDRESS_FLEET_DIR/status-bad.out")"
grep -Eq '^chats .*no answer' "$REDRESS_FLEET_DIR/status-bad.out" ||
  fail "fleet status shows no 'no answer' for the frozen chats: $(cat "$REDRESS_FLEET_DIR/status-bad.out")"
grep -Eq '^timers +[0-9]+ +up' "$REDRESS_FLEET_DIR/status-bad.out" ||
  fail "fleet status stopped before the timers row: $(cat "$REDRESS_FLEET_DIR/status-bad.out")"
bootstrap=$(cat "$REDRESS_FLEET_DIR/bootstrap")
"$fleet" down >/dev/null 2>&1
# With the brokers gone, redress-show gives up at its --timeout and says
# why, with a non-zero status instead of empty tables and success.
if "$REDRESS_BUILD_DIR/bin/redress-show" --bootstrap "$bootstrap" --timeout 2 \
  >"$REDRESS_FLEET_DIR/show-down.out" 2>&1; then
  fail "redress-show exited 0 with the brokers down"
elif ! grep -q 'redress-show: no metadata from the brokers' "$REDRESS_FLEET_DIR/show-down.out"; then
  fail "redress-show did not say the brokers could not be reached: $(tail -n 3 "$REDRESS_FLEET_DIR/show-down.out")"
fi
if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$REDRESS_FLEET_DIR"/logs/*.log 2>/dev/null; then
  fail "a sanitizer reported (the logs above)"
fi
[ "$failed" -eq 0 ] && echo "it_demo: passed" >&2
exit "$failed"
