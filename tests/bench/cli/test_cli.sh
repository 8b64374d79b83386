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

if "$BENCH" topo >"$TMP/topo.out" 2>&1 && grep -q "Placements:" "$TMP/topo.out"; then
	echo "ok: topo"
else
	fail "topo: $(head -3 "$TMP/topo.out")"
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
