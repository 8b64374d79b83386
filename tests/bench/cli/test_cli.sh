#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/bench/cli/test_cli.sh VRQ_BENCH VALIDATOR
#
# Runs every vrq-bench mode briefly, validates each JSON file against the
# vrq-bench/1 schema (vrq-bench-validate), checks counters against the
# transaction count, and checks that bad input gets a one-line message
# naming the option and exit code 2.
set -u
BENCH=$1
VALIDATE=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run NAME ARGS...: must exit 0 and write a valid $TMP/NAME.json
run() {
	local name=$1
	shift
	if ! "$BENCH" "$@" --json "$TMP/$name.json" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
		fail "$name: vrq-bench $* exited non-zero: $(tail -3 "$TMP/$name.err")"
		return 1
	fi
	if ! "$VALIDATE" "$TMP/$name.json" >"$TMP/$name.val" 2>&1; then
		fail "$name: invalid JSON: $(cat "$TMP/$name.val")"
		return 1
	fi
	echo "ok: $name ($*)"
}

# json_counter FILE MECH KEY -> that record's counter (first match)
json_counter() {
	tr -d ' \n' <"$1" | sed 's/{"mechanism"/\n&/g' | grep "^{\"mechanism\":\"$2\"" |
		grep -o "\"$3\":[0-9]*" | head -1 | cut -d: -f2
}

# csv_metric FILE MECH METRIC -> median
csv_metric() {
	awk -F, -v m="$2" -v k="$3" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$2 == m && $col["metric"] == k { print $col["median"]; exit }' "$1"
}

# --- every mode, briefly ------------------------------------------------------
S="-l 0.2 -w 0.05 --reps 2 --threshold 1"
run rr rr $S --notify poll,eventfd,hybrid,legacy-irq --baseline floor,tcp --csv "$TMP/rr.csv"
run rr_procs rr $S --procs --notify futex,eventfd --baseline none --csv "$TMP/rr_procs.csv"
run rr_packed rr $S --ring packed --notify poll -r 64,1024 --baseline spsc
run lat lat $S --notify poll --baseline floor
run stream stream $S -m 64,4096 -b 32 --ring split,packed --baseline spsc
run sweep sweep -l 0.1 -w 0 --reps 1 --threshold 1 -q 64,256 --event-idx on,off -m 64 -b 1,32 --baseline none
run base baselines $S --baseline floor,eventfd,pipe
run base_stream baselines $S --stream --baseline spsc,wfcq -m 64 -b 32
run count rr -n 3000 -w 0 --reps 2 --threshold 1 --notify eventfd --baseline pipe
run tune tune -l 0.1 -w 0 --reps 1 --threshold 1 --phases ring,batch,notify

if "$BENCH" topo >"$TMP/topo.out" 2>&1 && grep -q "Placements:" "$TMP/topo.out"; then
	echo "ok: topo"
else
	fail "topo: $(head -3 "$TMP/topo.out")"
fi

# procs: the baselines run in processes too, with exact counts
run count_procs rr -n 2000 -w 0 --reps 1 --threshold 1 --procs --notify eventfd --baseline pipe,futex,spsc
for m in vrq-split-eventfd baseline:pipe baseline:futex baseline:spsc; do
	t=$(json_counter "$TMP/count_procs.json" "$m" trans)
	[ "${t:-0}" = 2000 ] || fail "count_procs: $m trans=$t, expected 2000"
done
for m in baseline:pipe baseline:futex baseline:spsc; do
	tr -d ' \n' <"$TMP/count_procs.json" | sed 's/{"mechanism"/\n&/g' | grep "^{\"mechanism\":\"$m\"" |
		grep -q '"process_mode":"procs"' || fail "count_procs: $m not recorded as procs"
done
grep -q "two processes (vrq and baselines)" "$TMP/count_procs.out" ||
	fail "count_procs: header does not say both run in two processes"

# --- output: units and legend ----------------------------------------------------
out=$TMP/rr.out
grep -q "p99.9 us" "$out" || fail "rr: p99.9 column has no unit"
grep -q "Latencies: round trips in us" "$out" || fail "rr: no latency unit legend"
grep -q "'~' after \[min-max\]" "$out" || fail "rr: '~' not explained"
grep -q "memory: default policy (no NUMA binding)" "$out" || fail "rr: memory policy not spelled out"
grep -q "memory node -1" "$out" && fail "rr: prints 'memory node -1'"
# the floor spins, tcp blocks: floor's x tcp is starred, its p50/flr is not;
# tcp's p50/flr is starred (blocking over spinning), its x tcp is not
read -r -a fl < <(grep '^baseline floor' "$out")
read -r -a tc < <(grep '^baseline tcp' "$out")
n=${#fl[@]}
[[ ${fl[n - 3]} =~ ^[0-9.]+$ && ${fl[n - 2]} =~ ^[0-9.]+\*$ ]] ||
	fail "rr: floor ratios '${fl[n - 3]} ${fl[n - 2]}', expected unstarred p50/flr, starred x tcp"
n=${#tc[@]}
[[ ${tc[n - 3]} =~ ^[0-9.]+\*$ && ${tc[n - 2]} =~ ^[0-9.]+$ ]] ||
	fail "rr: tcp ratios '${tc[n - 3]} ${tc[n - 2]}', expected starred p50/flr, unstarred x tcp"
[ -n "${fl[0]:-}" ] && [ -n "${tc[0]:-}" ] && echo "ok: units, legend and spinning/blocking marks"

# --- help ------------------------------------------------------------------------
"$BENCH" --help >"$TMP/help.out" 2>&1 || fail "--help exited non-zero"
grep -q '%%' "$TMP/help.out" && fail "--help prints a literal %%"
grep -q '2% of the machine' "$TMP/help.out" || fail "--help lacks '2% of the machine'"
help_mode() { # MODE MUST_HAVE MUST_NOT_HAVE
	"$BENCH" "$1" --help >"$TMP/help-$1.out" 2>&1 || fail "$1 --help exited non-zero"
	head -1 "$TMP/help-$1.out" | grep -q "^Usage: vrq-bench $1" || fail "$1 --help: not the $1 usage"
	grep -q -- "$2" "$TMP/help-$1.out" || fail "$1 --help lacks '$2'"
	if [ -n "$3" ] && grep -q -- "$3" "$TMP/help-$1.out"; then
		fail "$1 --help shows '$3'"
	fi
}
help_mode rr "-r, --size" "--copy-mode"
help_mode lat "-r, --size" "--msg"
help_mode stream "--copy-mode" "-r, --size"
help_mode sweep "--copy-mode" "-r, --size"
help_mode baselines "--stream" "--notify"
help_mode topo "Takes no options" "--json"
echo "ok: per-mode help"

# --- one CPU: spinning refused, blocking allowed, opt-in warns --------------------
"$BENCH" rr --cpus 0,0 -n 200 -w 0 --reps 1 --threshold 1 --notify eventfd --baseline pipe \
	>"$TMP/one.out" 2>"$TMP/one.err" || fail "rr --cpus 0,0 with blocking mechanisms only: exit $?"
"$BENCH" rr --cpus 0,0 -n 20 -w 0 --reps 1 --threshold 1 --notify poll --baseline none \
	--allow-shared-cpu >"$TMP/one.out" 2>"$TMP/one.err" || fail "--allow-shared-cpu: exit $?"
grep -q "WARNING: both sides share CPU 0" "$TMP/one.out" || fail "--allow-shared-cpu: no warning"

# --- plot: distinct colours, microseconds --------------------------------------------
PLOT=$(cd "$(dirname "$0")/../../.." && pwd)/bench/plot
if VRQ_BENCH_VALIDATE=$VALIDATE bash "$PLOT" -n -o "$TMP" "$TMP/rr.json" >"$TMP/plot.gp" 2>&1; then
	cdf=$(sed -n '/round-trip latency CDF/,/^plot /p' "$TMP/plot.gp" | grep '^[[:space:]]*plot ')
	nser=$(grep -o ' title ' <<<"$cdf" | wc -l)
	ncol=$(grep -o "lc rgb '#[0-9a-f]*' dt [0-9]*" <<<"$cdf" | sort -u | wc -l)
	[ "$nser" -ge 6 ] && [ "$ncol" = "$nser" ] ||
		fail "plot: $nser latency series with $ncol distinct colours"
	grep -q "round-trip latency (us)" "$TMP/plot.gp" && grep -q '(\$1/1000.0)' <<<"$cdf" ||
		fail "plot: the latency CDF is not in us"
	echo "ok: plot ($nser series, $ncol colours, us)"
else
	fail "bench/plot -n: $(tail -2 "$TMP/plot.gp")"
fi

# --- counters against the transaction count ------------------------------------
# one kick and one interrupt decision per round trip: at most 2 notifications
for m in vrq-split-eventfd vrq-split-legacy-irq; do
	v=$(csv_metric "$TMP/rr.csv" "$m" notifications_per_trans)
	awk -v v="${v:-x}" 'BEGIN { exit !(v + 0 > 0.5 && v + 0 <= 2.0) }' ||
		fail "rr: $m notifications_per_trans=$v, expected (0.5, 2]"
done
# poll: receivers never arm; EVENT_IDX crosses the parked index once per
# 2^16 buffers per direction, a no-op signal: at most 2 x (trans/65536 + 1)
# per repetition, 2 repetitions
pt=$(json_counter "$TMP/rr.json" vrq-split-poll trans)
pn=$(json_counter "$TMP/rr.json" vrq-split-poll notifications)
[ -n "$pt" ] && [ -n "$pn" ] && [ "$pn" -le $((2 * 2 * (pt / 65536 + 1))) ] ||
	fail "rr: poll sent $pn notifications in $pt transactions"
v=$(csv_metric "$TMP/rr_procs.csv" vrq-split-futex interrupts_per_trans)
awk -v v="${v:-x}" 'BEGIN { exit !(v + 0 >= 0 && v + 0 <= 2.0) }' ||
	fail "rr_procs: futex interrupts_per_trans=$v"
# legacy-irq: one status read and one ACK per interrupt taken
sr=$(json_counter "$TMP/rr.json" vrq-split-legacy-irq status_reads)
ack=$(json_counter "$TMP/rr.json" vrq-split-legacy-irq acks)
wk=$(json_counter "$TMP/rr.json" vrq-split-legacy-irq wakeups)
[ "${sr:-0}" -gt 0 ] && [ "${ack:-0}" -le "$sr" ] && [ "$sr" -le "${wk:-0}" ] ||
	fail "rr: legacy-irq status_reads=$sr acks=$ack wakeups=$wk (want 0 < acks <= reads <= wake-ups)"
sr=$(json_counter "$TMP/rr.json" vrq-split-eventfd status_reads)
[ "${sr:-x}" = 0 ] || fail "rr: eventfd (MSI model) read status $sr times"
# count mode: exactly -n transactions per repetition, 2 repetitions
for m in vrq-split-eventfd baseline:pipe; do
	t=$(json_counter "$TMP/count.json" "$m" trans)
	[ "${t:-0}" = 6000 ] || fail "count: $m trans=$t, expected 6000"
done

# --reclaim batch,all: two rows, each moving exactly -n items (the producer
# takes back at most a batch per round, or everything completed), tagged in
# the JSON and the table
run reclaim stream -n 4000 -w 0 --reps 1 --threshold 1 --ring packed -m 8 -b 4 \
	--copy-mode zero-copy --reclaim batch,all --baseline none
if [ -f "$TMP/reclaim.json" ]; then
	recs=$(tr -d ' \n' <"$TMP/reclaim.json" | sed 's/{"mechanism"/\n&/g' | grep '^{"mechanism":"vrq-packed-poll"')
	[ "$(echo "$recs" | grep -c '"reclaim":"batch"')" = 1 ] &&
		[ "$(echo "$recs" | grep -c '"reclaim":"all"')" = 1 ] ||
		fail "reclaim: want one batch and one all record"
	[ "$(echo "$recs" | grep -o '"trans":[0-9]*' | sort -u)" = '"trans":4000' ] ||
		fail "reclaim: trans $(echo "$recs" | grep -o '"trans":[0-9]*' | tr '\n' ' '), want 4000 each"
	grep -q "q256 rall " "$TMP/reclaim.out" || fail "reclaim: no 'rall' row in the table"
fi

# --queues: the aggregate is the sum of the queues' own rates (one
# repetition: the medians are the values), per-queue metrics in the JSON
run streamq stream -l 0.2 -w 0.05 --reps 1 --threshold 1 --queues 2 --notify eventfd -m 64 -b 32 \
	--copy-mode zero-copy --baseline none
if [ -f "$TMP/streamq.json" ]; then
	agg=$(tr -d ' \n' <"$TMP/streamq.json" | grep -o '"items_per_s":{[^}]*' | grep -o '"median":[0-9.e+]*' | head -1 | cut -d: -f2)
	q0=$(tr -d ' \n' <"$TMP/streamq.json" | grep -o '"queue0_items_per_s":{[^}]*' | grep -o '"median":[0-9.e+]*' | cut -d: -f2)
	q1=$(tr -d ' \n' <"$TMP/streamq.json" | grep -o '"queue1_items_per_s":{[^}]*' | grep -o '"median":[0-9.e+]*' | cut -d: -f2)
	awk -v a="${agg:-0}" -v x="${q0:-0}" -v y="${q1:-0}" 'BEGIN { exit !(a > 0 && x > 0 && y > 0 &&
		(a - x - y) / a < 0.001 && (x + y - a) / a < 0.001) }' ||
		fail "streamq: aggregate $agg is not queue0 $q0 + queue1 $q1"
	grep -q "^  queue 1  CPUs" "$TMP/streamq.out" || fail "streamq: no per-queue lines"
fi

# linux-ringtest: skipped with a message when the binaries are absent; with
# them (a stand-in that records its arguments) the rows come from the
# binary's own run, with vrq's CPUs, queue size and batch passed through
if VRQ_RINGTEST_DIR="$TMP/none" "$BENCH" stream -l 0.05 -w 0 --reps 1 --threshold 1 -m 8 -b 1 \
	--copy-mode zero-copy --baseline linux-ringtest >"$TMP/rt0.out" 2>&1; then
	grep -q "baseline ringtest-ring: skipped: no $TMP/none/ring" "$TMP/rt0.out" ||
		fail "linux-ringtest absent: no skip message: $(head -3 "$TMP/rt0.out")"
	grep -q "^baseline ringtest" "$TMP/rt0.out" && grep -q "^baseline ringtest-[a-z]* *[0-9]" "$TMP/rt0.out" &&
		fail "linux-ringtest absent: a row was printed"
else
	fail "linux-ringtest absent: exit non-zero: $(tail -2 "$TMP/rt0.out")"
fi
mkdir -p "$TMP/fakert"
for b in ring virtio_ring_0_9 virtio_ring_inorder ptr_ring; do
	printf '#!/bin/sh\necho "$0 $*" >> "%s/fakert/args"\nsleep 0.02\n' "$TMP" >"$TMP/fakert/$b"
	chmod +x "$TMP/fakert/$b"
done
if VRQ_RINGTEST_DIR="$TMP/fakert" "$BENCH" stream -l 0.05 -w 0 --reps 1 --threshold 1 -m 8 -b 4 \
	-q 64 --cpus 0,1 --copy-mode zero-copy --baseline linux-ringtest --json "$TMP/rt.json" \
	>"$TMP/rt.out" 2>&1; then
	for m in ring split inorder ptr; do
		grep -q "^baseline ringtest-$m " "$TMP/rt.out" || fail "linux-ringtest: no ringtest-$m row"
	done
	a=$(grep -c -- "--guest-affinity 0 --host-affinity 1 --ring-size 64 --run-cycles [0-9]* --batch 4$" \
		"$TMP/fakert/args")
	[ "$a" -ge 8 ] || fail "linux-ringtest: arguments not passed through: $(head -2 "$TMP/fakert/args")"
	t=$(json_counter "$TMP/rt.json" baseline:ringtest-split trans)
	c=$(grep virtio_ring_0_9 "$TMP/fakert/args" | tail -1 | sed 's/.*--run-cycles \([0-9]*\).*/\1/')
	[ -n "$t" ] && [ "$t" = "$c" ] || fail "linux-ringtest: trans $t, but the measured run was for $c buffers"
	"$VALIDATE" "$TMP/rt.json" >"$TMP/rt.val" 2>&1 || fail "linux-ringtest: invalid JSON: $(cat "$TMP/rt.val")"
else
	fail "linux-ringtest stand-in: exit non-zero: $(tail -2 "$TMP/rt.out")"
fi

# tune: every phase asked for gives its line, the configuration follows
# from the measurements (the ring named is the one with the best median)
if [ -f "$TMP/tune.out" ]; then
	for w in "  - ring: " "  - batch: publish " "  - doorbell: " "cfg.ring = "; do
		grep -q -- "$w" "$TMP/tune.out" || fail "tune: no '$w' line"
	done
	grep -q -- "  - queue size" "$TMP/tune.out" && fail "tune: a phase not asked for ran"
	best=$(awk '/^== ring/ { on = 1; next } /^== / { on = 0 } on && /^vrq / {
		r = $0; sub(/^vrq /, "", r); sub(/ zc .*/, "", r); v = ""
		for (i = 2; i < NF; i++) if ($(i + 1) ~ /^\[/) { v = $i; break }
		m = 1
		if (v ~ /M$/) m = 1e6; else if (v ~ /k$/) m = 1e3; sub(/[Mk]$/, "", v)
		if (v * m > bv) { bv = v * m; br = r } } END { print br }' "$TMP/tune.out")
	case "$best" in
	"split") want="ring: split," ;;
	"split ino") want="ring: split with IN_ORDER" ;;
	"packed") want="ring: packed," ;;
	"packed ino") want="ring: packed with IN_ORDER" ;;
	*) want="(unparsed: '$best')" ;;
	esac
	grep -q -- "$want" "$TMP/tune.out" || fail "tune: best ring row is '$best' but the advice is: $(grep -- '- ring:' "$TMP/tune.out")"
	[ "$(grep -c '"mode": *"tune-' "$TMP/tune.json")" -ge 1 ] || grep -q '"tune-ring"' "$TMP/tune.json" ||
		fail "tune: JSON records lack the tune-<phase> mode"
fi

# --- bad input ------------------------------------------------------------------
# bad EXPECTED_TEXT ARGS...: exit code 2 and the text on stderr
bad() {
	local want=$1
	shift
	"$BENCH" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	local rc=$?
	if [ $rc -ne 2 ]; then
		fail "vrq-bench $*: exit $rc, expected 2"
	elif ! grep -q -- "$want" "$TMP/bad.err"; then
		fail "vrq-bench $*: message '$(head -1 "$TMP/bad.err")' lacks '$want'"
	elif [ "$(wc -l <"$TMP/bad.err")" -gt 2 ]; then
		fail "vrq-bench $*: more than a one-line message"
	else
		echo "ok: bad input: $* -> $(head -1 "$TMP/bad.err")"
	fi
}
bad "unknown mode" bogus
bad "--phases" tune --phases bogus
bad "--queues" rr --queues 2
bad "--queues" stream --queues 17
bad "--queues" stream --queues 2 --notify poll
bad "--cpus" stream --cpus 0,1,1,0
bad "--cpus" stream --queues 2 --cpus 0,1,0,1,1,0
bad "linux-ringtest" rr --baseline linux-ringtest
bad "--phases" rr --phases ring
bad "tune sweeps" tune --ring packed
bad "tune sweeps" tune -q 64
bad "--msg" tune -m 64,128
bad "--baseline" tune --baseline spsc
bad "unknown mode" ""
bad "--size" rr -r 0,1
bad "--size" rr -r abc,1
bad "--size" rr -r 1
bad "--size" rr -r 2000000,1
bad "--duration" rr -l 0
bad "--duration" rr -l -1
bad "--duration" rr -l abc
bad "--count" rr -n 0
bad "--cpus" rr --cpus 0,99999
bad "--cpus" rr --cpus 0
bad "--node" rr --node 4096
bad "--qsize" stream -q 100
bad "--qsize" stream -q 0
bad "--batch" stream -b 0
bad "--batch" stream -q 64 -b 128
bad "--msg" stream -m 4
bad "--msg" stream -m 100000
bad "--notify" rr --notify smoke-signals
bad "--ring" rr --ring circular
bad "--baseline" rr --baseline nope
bad "--event-idx" rr --event-idx maybe
bad "--placement" rr --placement nowhere
bad "--reps" rr --reps 0
bad "unknown option" rr --frob
bad "needs a value" rr -l
bad "out of range \[0, 3600\]" rr -w -1
bad "--duration: 0 is out of range (0, 86400\]" rr -l 0
bad "too large (at most 101)" rr --reps 1000
bad "too large" rr -n 99999999999999999999999
bad "too large" rr -l 1e400
bad "--copy-mode: applies to stream and sweep only" rr --copy-mode copy
bad "--copy-mode: applies to stream and sweep only" lat --copy-mode zero-copy
bad "--reclaim: 'some'" stream --reclaim some
bad "--reclaim: applies to stream and sweep only" rr --reclaim all
bad "--reclaim: at most batch,all" stream --reclaim batch,all,batch
bad "--msg: applies to stream" rr -m 64
bad "--batch: applies to stream" lat -b 4
bad "--size: applies to rr" stream -r 1,1
bad "--stream: applies to baselines" rr --stream
bad "--cpus: both sides on CPU 0" rr --cpus 0,0 --notify poll --baseline none
bad "--allow-shared-cpu" stream --cpus 0,0 --baseline none
# outputs are checked before anything is measured: nothing on stdout
for o in --json --csv; do
	bad "$o: cannot write $TMP/no/such/dir/out" rr $o "$TMP/no/such/dir/out" -l 5 --reps 5
	[ -s "$TMP/bad.out" ] && fail "$o to a bad path: measured before failing: $(head -1 "$TMP/bad.out")"
done
# a placement the machine may lack: either it runs or it says why
"$BENCH" rr --placement smt -l 0.05 -w 0 --reps 1 --baseline none --notify poll \
	>"$TMP/smt.out" 2>"$TMP/smt.err"
rc=$?
if [ $rc -ne 0 ] && ! grep -q -- "--placement" "$TMP/smt.err"; then
	fail "--placement smt: exit $rc without naming the option"
fi

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed" >&2
	exit 1
fi
echo "all CLI checks passed"
