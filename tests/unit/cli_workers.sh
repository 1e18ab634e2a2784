#!/usr/bin/env bash
# What an operator sees of every worker's command line before it runs:
# --version (every tool's too), --print-config-doc, --check-config (which
# connects to nothing) and the exit codes of a bad configuration (78, with
# file, line and key) and a bad argument (2). No servers.
#   cli_workers.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
  echo "FAIL: $*" >&2
  failed=1
}

has() { # file text what
  grep -qF -- "$2" "$1" || fail "$3: no '$2' in: $(head -c 600 "$1")"
}

# exe checking the shipped configs with file (under configs/) edited by
# sed expression edit: exit 78, naming the file, the line that matches
# pattern and key. Leaves its stderr in $tmp/err.
bad_config() { # exe file edit pattern key what
  local line rc
  rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
  sed -i "$3" "$tmp/cfg/$2"
  line=$(grep -n -- "$4" "$tmp/cfg/$2" | head -n 1 | cut -d: -f1)
  [ -n "$line" ] || fail "$6: the edit '$3' matched nothing in $2"
  "$1" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$6: exit $rc, not 78"
  has "$tmp/err" "$2:$line: $5" "$6"
}
bad_playbook() { # exe edit pattern key what
  bad_config "$1" playbook.yaml "$2" "$3" "$4" "$5"
}

# exe checking a copy of the shipped configs ($tmp/cfg) after the shell
# command change ran in it: exit 78 with text in the message. Leaves its
# stderr in $tmp/err.
bad_configs() { # exe change text what
  local rc
  rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
  (cd "$tmp/cfg" && eval "$2") || fail "$4: the change '$2' failed"
  "$1" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$4: exit $rc, not 78"
  has "$tmp/err" "$3" "$4"
}

# Every program an installation has (cmake --install: the workers and
# the tools) names its build the same way.
for prog in reviews chats shipments timers buyer dlq report eval devbroker publish show; do
  out=$("$bin/redress-$prog" --version 2>&1)
  rc=$?
  [ $rc -eq 0 ] || fail "redress-$prog --version: exit $rc"
  [[ $out =~ ^redress-$prog\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]+(-dirty)?|unknown)\)$ ]] ||
    fail "redress-$prog --version printed '$out', not 'redress-$prog VERSION (commit COMMIT)'"
done

for w in reviews chats shipments timers; do
  exe=$bin/redress-$w

  "$exe" --version >"$tmp/out" 2>&1 || fail "$w --version: exit $?"
  has "$tmp/out" "redress-$w " "$w --version"

  "$exe" --print-config-doc >"$tmp/doc" 2>"$tmp/err" ||
    fail "$w --print-config-doc: exit $?"
  for text in "## configs/redress.yaml" "| \`consumer.batch_max\` | integer | \`500\` |" \
    "| \`output.format\` | enum: json, protobuf | \`json\` |" \
    "## configs/playbook.yaml" "| \`follow_up_after\` | duration | 0..365d |" \
    "| \`on_policy_block\` | stop or skip |" \
    "## configs/platforms/<platform>.yaml" "| \`incentives_allowed\` | true or false |" \
    "## configs/templates/<language>.yaml"; do
    has "$tmp/doc" "$text" "$w --print-config-doc"
  done
  # Every table row has as many cells as its header: no '|' inside a cell.
  awk -F'|' '/^\| key /{n=NF} /^\|/ && NF!=n {print FILENAME": "$0; bad=1} END{exit bad}' \
    "$tmp/doc" >"$tmp/rows" || fail "$w --print-config-doc: ragged rows: $(cat "$tmp/rows")"
  case $w in
    reviews) has "$tmp/doc" "## configs/peers.yaml" "$w --print-config-doc" ;&
    chats) has "$tmp/doc" "## configs/classifier.yaml" "$w --print-config-doc" ;;
  esac

  # The shipped configuration is valid; checking it connects to no broker
  # (nothing listens on port 1) and logs only its verdict.
  "$exe" --check-config --set kafka.bootstrap.servers=127.0.0.1:1 \
    --set redis.url=redis://127.0.0.1:1 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 0 ] || fail "$w --check-config: exit $rc: $(cat "$tmp/err")"
  has "$tmp/err" '"event":"config.ok"' "$w --check-config"
  if grep -v '"event":"config.ok"' "$tmp/err" | grep -q .; then
    fail "$w --check-config logged more than its verdict: $(cat "$tmp/err")"
  fi

  # A store's lexicon from an earlier build (no given group in en.yaml)
  # still loads; the workers that classify say what it lacks.
  if [ "$w" = reviews ] || [ "$w" = chats ]; then
    rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
    sed -i '/^given:$/,/^$/d' "$tmp/cfg/lexicons/en.yaml"
    "$exe" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err" ||
      fail "$w lexicon without given: exit $?: $(cat "$tmp/err")"
    has "$tmp/err" '"event":"classifier.lexicon_groups"' "$w lexicon without given"
    has "$tmp/err" '): en: given; see README' "$w lexicon without given"
  fi

  # A bad value in playbook.yaml: exit 78, the file, the line and the key.
  bad_playbook "$exe" 's/^  follow_up_after: 7d/  follow_up_after: soon/' \
    '^  follow_up_after: soon' "key 'defaults.follow_up_after'" "$w bad playbook"
  has "$tmp/err" '"event":"config.invalid"' "$w bad playbook"

  # A store's daytime that never falls outside a platform's quiet hours
  # (Shopify's 21:00-08:00, the first in platforms/): at start, not at its
  # first event.
  bad_playbook "$exe" 's/^stores:$/stores:\n  night-store:\n    daytime: "22:30-23:30"/' \
    '^    daytime: "22:30-23:30"' "key 'stores.night-store.daytime'" "$w night daytime"
  has "$tmp/err" "shopify's quiet hours (21:00-08:00, platforms/shopify.yaml)" "$w night daytime"
  # A platform's own daytime meets that platform's quiet hours alone
  # (AliExpress has none); a platform the events never carry is refused.
  rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
  sed -i 's/^stores:$/platforms:\n  aliexpress:\n    daytime: "22:30-07:30"\nstores:/' \
    "$tmp/cfg/playbook.yaml"
  "$exe" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err" ||
    fail "$w aliexpress night daytime: exit $?: $(cat "$tmp/err")"
  bad_playbook "$exe" 's/^stores:$/platforms:\n  taobao:\n    daytime: "22:30-23:30"\nstores:/' \
    '^    daytime: "22:30-23:30"' "key 'platforms.taobao.daytime'" "$w taobao night daytime"
  has "$tmp/err" "taobao's quiet hours (22:00-08:00" "$w taobao night daytime"
  bad_playbook "$exe" 's/^stores:$/platforms:\n  Amazon:\n    max_nudges: 2\nstores:/' \
    '^    max_nudges: 2' "key 'platforms.Amazon': unknown platform 'Amazon' (the platforms: aliexpress, amazon," \
    "$w unknown platform"

  # A bad value of redress.yaml given on the command line.
  "$exe" --check-config --set consumer.batch_max=lots >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w --set consumer.batch_max=lots: exit $rc, not 78"
  has "$tmp/err" "key 'consumer.batch_max'" "$w --set consumer.batch_max=lots"
  # A librdkafka property the worker sets itself would be overwritten
  # without a word: the group is consumer.group's.
  "$exe" --check-config --set kafka.group.id=other >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w --set kafka.group.id=other: exit $rc, not 78"
  has "$tmp/err" "key 'kafka.group.id': the worker sets it: consumer.group names the group" \
    "$w --set kafka.group.id=other"
  REDRESS_KAFKA_ENABLE_AUTO_OFFSET_STORE=true "$exe" --check-config >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w REDRESS_KAFKA_ENABLE_AUTO_OFFSET_STORE=true: exit $rc, not 78"
  has "$tmp/err" "an offset is stored once the event's effects are in Redis" \
    "$w REDRESS_KAFKA_ENABLE_AUTO_OFFSET_STORE=true"
  "$exe" --check-config --set consumer.batch_max=lots >"$tmp/out" 2>"$tmp/err"
  # Its line names the instance, as every line does (host-pid, or the
  # environment's name).
  grep -q '"instance":"[^"]*-[0-9]*"' "$tmp/err" ||
    fail "$w config.invalid without its instance: $(head -c 600 "$tmp/err")"
  REDRESS_WORKER_INSTANCE=pod-7 "$exe" --check-config \
    --set consumer.batch_max=lots >"$tmp/out" 2>"$tmp/err"
  has "$tmp/err" '"instance":"pod-7"' "$w config.invalid of instance pod-7"

  # An operations port that is no host:port, and a topic with no name.
  "$exe" --check-config --set metrics.listen=9100 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w --set metrics.listen=9100: exit $rc, not 78"
  has "$tmp/err" "key 'metrics.listen': expected host:port" "$w --set metrics.listen=9100"
  # One that does not resolve fails the check, not the start; an IPv6
  # address in brackets is taken.
  "$exe" --check-config --set metrics.listen=nosuchhost.invalid:9464 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w --set metrics.listen=nosuchhost.invalid:9464: exit $rc, not 78"
  has "$tmp/err" "command line: key 'metrics.listen': 'nosuchhost.invalid:9464'" "$w metrics.listen unresolved"
  "$exe" --check-config --set 'metrics.listen=[::1]:0' >"$tmp/out" 2>"$tmp/err" ||
    fail "$w --set metrics.listen=[::1]:0: exit $?: $(cat "$tmp/err")"
  # No broker named: librdkafka only warns, and its client never connects.
  rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
  sed -i '/^  bootstrap.servers:/d' "$tmp/cfg/redress.yaml"
  env -u REDRESS_KAFKA_BOOTSTRAP "$exe" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w without bootstrap.servers: exit $rc, not 78"
  has "$tmp/err" "key 'kafka.bootstrap.servers' is not set" "$w without bootstrap.servers"
  REDRESS_TOPICS_DLQ= "$exe" --check-config >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w REDRESS_TOPICS_DLQ='': exit $rc, not 78"
  has "$tmp/err" "environment REDRESS_TOPICS_DLQ: key 'topics.dlq'" "$w REDRESS_TOPICS_DLQ=''"

  # A Redis URL that cannot be one.
  "$exe" --check-config --set redis.url=bogus://x >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w --set redis.url=bogus://x: exit $rc, not 78"
  has "$tmp/err" "command line: key 'redis.url': invalid Redis URL 'bogus://x'" "$w --set redis.url=bogus://x"

  # A wait for replicas that outlasts the round trip's own timeout: both
  # keys named, with where each came from.
  REDRESS_REDIS_WAIT_TIMEOUT=5s "$exe" --check-config \
    --set redis.wait_replicas=1 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 78 ] || fail "$w redis.wait_timeout 5s: exit $rc, not 78"
  has "$tmp/err" "environment REDRESS_REDIS_WAIT_TIMEOUT: key 'redis.wait_timeout': 5000 ms must be shorter than redis.command_timeout (5000 ms, " \
    "$w redis.wait_timeout 5s"
  has "$tmp/err" "redress.yaml:" "$w redis.wait_timeout 5s"

  # An unknown argument: usage on stderr, exit 2.
  "$exe" --frobnicate >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || fail "$w --frobnicate: exit $rc, not 2"
  has "$tmp/err" "Usage: redress-$w" "$w --frobnicate"
done

# A directory where a file belongs is named as one (not a syntax error on
# its line 1), whether it is a file the worker opens by name or one of the
# *.yaml of a directory it lists.
exe=$bin/redress-reviews
for f in playbook.yaml templates/de.yaml platforms/etsy.yaml lexicons/fr.yaml; do
  bad_configs "$exe" "rm -f $f && mkdir $f" \
    "$tmp/cfg/$f: is a directory, not a file" "reviews with a directory $f"
done
"$exe" --config "$src/configs" --check-config >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 78 ] || fail "reviews --config <directory>: exit $rc, not 78"
has "$tmp/err" "$src/configs: is a directory, not a file" "reviews --config <directory>"

# In redress.yaml, a key with no value and a section with no keys are
# refused where they stand: neither is taken for the default.
line=$(grep -n '^  batch_max: 500$' "$src/configs/redress.yaml" | cut -d: -f1)
bad_configs "$exe" "sed -i 's/^  batch_max: 500\$/  batch_max:/' redress.yaml" \
  "redress.yaml:$line: key 'consumer.batch_max': no value" "reviews with batch_max:"
line=$(grep -n '^output:$' "$src/configs/redress.yaml" | cut -d: -f1)
bad_configs "$exe" "sed -i '/^  format: json\$/d' redress.yaml" \
  "redress.yaml:$line: key 'output': empty section" "reviews with output:"

# A directory of configs that is a file: the listing says so, not that a
# language or platform it should hold is missing.
for d in templates platforms lexicons; do
  bad_configs "$exe" "rm -r $d && touch $d" \
    "$tmp/cfg/$d: cannot list directory: Not a directory" "reviews with a file $d"
done

# A directory of configs the worker may not read: the listing says why, as
# a file that cannot be opened does. Root reads any directory, so as root
# the check runs as nobody; it is skipped where it cannot run as a user
# the directory keeps out.
as_user=()
[ "$(id -u)" -ne 0 ] || as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
as() { "${as_user[@]+"${as_user[@]}"}" "$@"; }
rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg" && chmod -R a+rX "$tmp"
if ! as "$exe" --version >/dev/null 2>&1 || ! as test -r "$tmp/cfg/redress.yaml"; then
  echo "cli_workers: SKIP unreadable directories: cannot run the worker as a user without root's access"
else
  for d in templates platforms lexicons; do
    chmod 000 "$tmp/cfg/$d"
    if as test -r "$tmp/cfg/$d"; then
      echo "cli_workers: SKIP unreadable $d/: the user reads it anyway"
    else
      as "$exe" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err"
      rc=$?
      [ $rc -eq 78 ] || fail "reviews with $d/ unreadable: exit $rc, not 78"
      has "$tmp/err" "$tmp/cfg/$d: cannot list directory: Permission denied" \
        "reviews with $d/ unreadable"
    fi
    chmod 755 "$tmp/cfg/$d"
  done
fi

# Templates and lexicons are checked whole at start: a mistake that would
# only show on real events (a message that cannot render, a text never
# used, a language read wrong) stops the worker.
exe=$bin/redress-reviews
bad_config "$exe" templates/en.yaml 's/^    product_quality: /    product_qualty: /' \
  '^    product_qualty: ' "key 'templates.reply.public.product_qualty': unknown key: reply.public templates are looked up by default, product_quality," \
  "misspelt template key"
# Spanish messages with no name for a buyer who gave none.
bad_config "$exe" templates/es.yaml '/^  buyer_name: "cliente"$/d' '{buyer_name}' \
  "key 'templates.outreach.first_contact.default': placeholder {buyer_name} is not always known where this template is used: give it a value under defaults: in this file (defaults.buyer_name)" \
  "Spanish templates without defaults.buyer_name"
# A lexicon without the groups the classifier reads: English read as
# Spanish, negation lost.
bad_config "$exe" lexicons/en.yaml '/^language: en\b/!d' '^language: en\b' \
  "key 'detect': missing: a language's lexicon needs phrases here" "English lexicon of language: alone"
bad_config "$exe" lexicons/zh.yaml 's/^negators: .*/negators: []/' '^negators: \[\]' \
  "key 'negators': empty: a language's lexicon needs phrases here (negation" "Chinese lexicon without negators"
# A lexicon's language is its file's name.
bad_config "$exe" lexicons/es.yaml 's/^language: es$/language: pt/' '^language: pt$' \
  "key 'language': expected 'es' as the file name says" "lexicons/es.yaml saying pt"
# common.yaml is every language's, and only it: Spanish phrases read for
# every language, or the shared ones for English alone, are mistakes.
bad_config "$exe" lexicons/es.yaml 's/^language: es$/language: any/' '^language: any$' \
  "key 'language': expected 'es' as the file name says" "lexicons/es.yaml saying any"
bad_config "$exe" lexicons/common.yaml 's/^language: any$/language: en/' '^language: en$' \
  "key 'language': expected 'any' as the file name says" "lexicons/common.yaml saying en"

# A file of templates/, platforms/ or lexicons/ named *.yml would go
# unread without a word (Spanish buyers read, and written to, in
# English); without lexicons/common.yaml no clause ends a negation.
for f in lexicons/es templates/es platforms/ebay; do
  bad_configs "$exe" "mv $f.yaml $f.yml" \
    "$f.yml: not read: the files here are read when named *.yaml (rename it ${f#*/}.yaml)" \
    "$f.yml"
done
bad_configs "$exe" "rm lexicons/common.yaml" \
  "lexicons/common.yaml: missing: the phrases every language shares" \
  "no lexicons/common.yaml"

# A language's file without a kind of message still loads (its buyers
# get the en one), and the worker says so.
rm -rf "$tmp/cfg" && cp -r "$src/configs" "$tmp/cfg"
sed -i '/^  outreach.incentive:$/,/^$/d' "$tmp/cfg/templates/es.yaml"
"$exe" --config "$tmp/cfg/redress.yaml" --check-config >"$tmp/out" 2>"$tmp/err" ||
  fail "es templates without outreach.incentive: exit $?: $(cat "$tmp/err")"
has "$tmp/err" '"event":"templates.fallback"' "es templates without outreach.incentive"
has "$tmp/err" 'sent to its buyers in en: es: outreach.incentive"' \
  "es templates without outreach.incentive"

# Money as the offer's message will write it: a currency ISO 4217 does
# not have (USX would go out as "3.00 USX"), a key the offer's type does
# not read (a discount's amount, dropped without a word).
bad_playbook "$exe" 's/^    logistics: {type: coupon, amount_minor: 300, currency: USD}/    logistics: {type: coupon, amount_minor: 300, currency: USX}/' \
  '^    logistics: .*USX' \
  "key 'defaults.incentives.logistics.currency': expected an ISO 4217 currency code like USD, EUR or CNY, got 'USX'" \
  "incentive in USX"
bad_playbook "$exe" 's/^    currency: CNY$/    currency: RMB/' '^    currency: RMB$' \
  "key 'defaults.rewards.currency': expected an ISO 4217 currency code like USD, EUR or CNY, got 'RMB'" \
  "rewards in RMB"
bad_playbook "$exe" 's/^    size_fit: {type: discount, percent: 5}/    size_fit: {type: discount, percent: 5, amount_minor: 300, currency: USD}/' \
  '^    size_fit: .*amount_minor' \
  "key 'defaults.incentives.size_fit.amount_minor': a discount offer takes percent, not this key" \
  "discount with an amount"
bad_playbook "$exe" 's/^    wrong_item: {type: partial_refund, amount_minor: 500, currency: USD}/    wrong_item: {type: partial_refund, amount_minor: 500, currency: USD, percent: 5}/' \
  '^    wrong_item: .*percent' \
  "key 'defaults.incentives.wrong_item.percent': a partial_refund offer takes amount_minor and currency, not this key" \
  "refund with a percent"

# A language named in words: no templates file would match, and the
# store's buyers would be written to in English.
bad_playbook "$exe" 's/^  language: en  /  language: spanish/' '^  language: spanish' \
  "key 'defaults.language': expected a language tag like en, es or zh-Hant, got 'spanish'" \
  "language spanish"

# A case_ttl the cadence outlasts: the case would close before its
# follow-up, incentive and nudges, which would never go out.
bad_playbook "$exe" 's/^  case_ttl: 30d/  case_ttl: 5d/' '^  case_ttl: 5d' \
  "key 'defaults.case_ttl': must be longer than nudge_from: the case would close before its first nudge" \
  "case_ttl 5d"

# redress-report: a bad --month is a usage error (2) whether or not Redis
# answers (port 1: nothing listens), not a Redis one (1).
"$bin/redress-report" --config "$src/configs/redress.yaml" \
  --set redis.url=redis://127.0.0.1:1 --month 2026-13 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "redress-report --month 2026-13: exit $rc, not 2"
has "$tmp/err" "--month takes YYYY-MM, got '2026-13'" "redress-report --month 2026-13"

# Every number and month redress-report takes is read whole: a tail, a
# value past its range or a one-digit month is a usage error (2) that
# names the option, not a value read in part.
report_arg() { # want option value [message]
  "$bin/redress-report" --config "$src/configs/redress.yaml" \
    --set redis.url=redis://127.0.0.1:1 "$2" "$3" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq "$1" ] || fail "redress-report $2 $3: exit $rc, not $1"
  [ $# -lt 4 ] || has "$tmp/err" "$4" "redress-report $2 $3"
}
report_arg 2 --top 5x "--top takes a whole number from 1 to 1000000, got '5x'"
report_arg 2 --top 99999999999 "--top takes a whole number from 1 to 1000000, got '99999999999'"
report_arg 2 --top abc "--top takes a whole number from 1 to 1000000, got 'abc'"
report_arg 2 --top 0 "--top takes a whole number from 1 to 1000000, got '0'"
report_arg 2 --top " 5" "--top takes a whole number from 1 to 1000000, got ' 5'"
report_arg 2 --appeal-days 7d "--appeal-days takes a whole number from 1 to 365, got '7d'"
report_arg 2 --appeal-days 366 "--appeal-days takes a whole number from 1 to 365, got '366'"
report_arg 2 --appeal-days 4294967303 "--appeal-days takes a whole number from 1 to 365, got '4294967303'"
report_arg 2 --month 2026-1 "--month takes YYYY-MM, got '2026-1'"
report_arg 2 --month 202611 "--month takes YYYY-MM, got '202611'"
report_arg 2 --month " 2026-11" "--month takes YYYY-MM, got ' 2026-11'"
report_arg 2 --month 2026-+1 "--month takes YYYY-MM, got '2026-+1'"
# Good values get as far as Redis (nothing listens: 1).
report_arg 1 --top 1000000
report_arg 1 --appeal-days 365
report_arg 1 --month 2026-01

# redress-report --buyer names a platform, and no store (a buyer's tags
# and record are the fleet's).
report_arg 2 --buyer b-1
"$bin/redress-report" --config "$src/configs/redress.yaml" \
  --set redis.url=redis://127.0.0.1:1 --platform taobao --buyer b-1 --store s-1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "redress-report --buyer with --store: exit $rc, not 2"
"$bin/redress-report" --config "$src/configs/redress.yaml" \
  --set redis.url=redis://127.0.0.1:1 --platform taobao --buyer b-1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "redress-report --platform taobao --buyer b-1 without Redis: exit $rc, not 1"

# redress-buyer: a tag it does not know, no reason or an empty one is a
# usage error (2) that says what it takes, before Redis (nothing listens:
# good arguments exit 1).
buyer_arg() { # want message args...
  local want=$1 msg=$2
  shift 2
  "$bin/redress-buyer" "$@" --config "$src/configs/redress.yaml" \
    --set redis.url=redis://127.0.0.1:1 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq "$want" ] || fail "redress-buyer $*: exit $rc, not $want"
  [ -z "$msg" ] || has "$tmp/err" "$msg" "redress-buyer $*"
}
buyer_arg 2 "--tag takes extortion, competitor or professional, got 'all'" \
  tag --platform taobao --buyer b-1 --tag all --reason x
buyer_arg 2 "--tag takes extortion, competitor or professional (or all), got 'abusive'" \
  untag --platform taobao --buyer b-1 --tag abusive --reason x
buyer_arg 2 "Usage: redress-buyer" untag --platform taobao --buyer b-1 --tag extortion
buyer_arg 2 "--reason takes 1 to 500 bytes" untag --platform taobao --buyer b-1 --tag extortion --reason ""
buyer_arg 2 "Usage: redress-buyer" untag --buyer b-1 --tag extortion --reason x
buyer_arg 2 "Usage: redress-buyer" lift --platform taobao --buyer b-1 --tag extortion --reason x
buyer_arg 2 "--order goes with untag --tag extortion (or all)" \
  untag --platform taobao --buyer b-1 --tag competitor --reason x --store s-1 --order o-1
buyer_arg 2 "--order goes with untag --tag extortion (or all)" \
  tag --platform taobao --buyer b-1 --tag extortion --reason x --store s-1 --order o-1
buyer_arg 2 "Usage: redress-buyer" untag --platform taobao --buyer b-1 --tag all --reason x --order o-1
buyer_arg 1 "Redis" untag --platform taobao --buyer b-1 --tag all --reason x
buyer_arg 1 "Redis" untag --platform taobao --buyer b-1 --tag extortion --reason x --store s-1 --order o-1
buyer_arg 1 "Redis" tag --platform taobao --buyer b-1 --tag professional --reason x --dry-run

# The tools' --help reads no configuration (one that would not load
# must not hide how to use the tool), wherever it stands.
tool_help() { # tool args...
  local tool=$1
  shift
  REDRESS_CONSUMER_BATCH_MAX=lots "$bin/$tool" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 0 ] || fail "$tool $* with a bad configuration: exit $rc"
  has "$tmp/out" "Usage: $tool" "$tool $*"
}
tool_help redress-dlq --help
tool_help redress-dlq list --help
tool_help redress-report --help
tool_help redress-report --store s-1 -h
tool_help redress-buyer --help
tool_help redress-buyer untag --platform taobao --help

# redress-eval --explain: the phrases that made a text read as it does,
# each with its group (what an operator edits); only with --text.
"$bin/redress-eval" --configs "$src/configs" --explain >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "redress-eval --explain without --text: exit $rc, not 2"
"$bin/redress-eval" --configs "$src/configs" --explain \
  --text "Not cute. Stop sending broken items." >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "redress-eval --explain --text: exit $rc: $(cat "$tmp/err")"
has "$tmp/out" "chat:   language en intent question" "redress-eval --explain"
grep -Eq '^  reasons\.product_quality +en +\+[0-9.]+ +"broken"$' "$tmp/out" ||
  fail "redress-eval --explain: no broken as product quality: $(cat "$tmp/out")"
grep -Eq '^  intents\.refuse +en +\+1\.40 +"stop sending"$' "$tmp/out" ||
  fail "redress-eval --explain: no stop sending refusal (1.4): $(cat "$tmp/out")"
grep -Eq '^  sentiment\.positive +en +\+[0-9.]+ negated +"cute"$' "$tmp/out" ||
  fail "redress-eval --explain: no negated cute: $(cat "$tmp/out")"

[ $failed -eq 0 ] && echo "cli_workers: every worker's command line behaves"
exit $failed
