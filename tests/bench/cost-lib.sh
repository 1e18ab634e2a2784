# shellcheck shell=bash
# cost-lib.sh: what tests/bench/redis-cost and worker-cost share. Sourced
# after $dir (a scratch directory) and die() are set; start processes with
# "cmd & pids+=($!)" so that they are stopped, and $dir removed, on exit.

: "${dir:?set dir before sourcing cost-lib.sh}"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait until the worker $3 (metrics on port $1, log $4) has
# acknowledged $2 events, reading its metrics every $5 s (default 0.2),
# then for its last batch's acknowledgement.
wait_reviews() {
  local mport=$1 want=$2 wpid=$3 log=$4 every=${5:-0.2} c='' _
  for _ in $(seq "$(awk -v e="$every" 'BEGIN { print int(600 / e) }')"); do
    c=$(curl -s "127.0.0.1:$mport/metrics" | awk '/^redress_event_latency_seconds_count/{print $2}' || true)
    [ -n "$c" ] && [ "${c%.*}" -ge "$want" ] && break
    kill -0 "$wpid" 2>/dev/null || die "the worker exited (see $log)"
    sleep "$every"
  done
  if [ -z "$c" ] || [ "${c%.*}" -lt "$want" ]; then
    die "only ${c:-0} of $want events applied (see $log)"
  fi
  sleep 1
}
