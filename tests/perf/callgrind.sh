#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/perf/callgrind.sh PERF_RING [extra perf_ring options...]
#
# Instructions per buffer (callgrind Ir, deterministic) of one round trip
# through perf_ring, total and per entry point, for split / split IN_ORDER /
# packed / packed IN_ORDER at batch 1 and 32.  Only op_round and what it
# calls is counted (--toggle-collect), so setup is excluded.
#
#   tests/perf/callgrind.sh build/default/tests/perf_ring
#   tests/perf/callgrind.sh build/default/tests/perf_ring --smp --peer-polls
set -eu
bin=${1:?usage: callgrind.sh PERF_RING [perf_ring options]}
shift
count=${COUNT:-20000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v valgrind >/dev/null || { echo "valgrind not found"; exit 77; }

run() { # run LABEL BATCH perf_ring-args...
	local label=$1 batch=$2 out="$tmp/cg.out"
	shift 2
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=op_round \
		"$bin" --count "$count" --batch "$batch" "$@" >/dev/null 2>"$tmp/log" ||
		{ cat "$tmp/log"; exit 1; }
	callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
		awk -v n=$((count * batch)) -v label="$label" -v b="$batch" '
		/PROGRAM TOTALS/ { gsub(",", "", $1); tot = $1 }
		# inclusive total of a function: its line with the [binary] suffix
		/:op_[a-z_]+[.a-z0-9]* \[/ && $1 ~ /^[0-9,]+$/ {
			v = $1; gsub(",", "", v)
			match($0, /:op_[a-z_]+/); f = substr($0, RSTART + 4, RLENGTH - 4)
			if (f != "round" && v > per[f]) per[f] = v
		}
		END {
			printf "%-16s b%-3s %6.1f Ir/buffer |", label, b, tot / n
			for (f in per) printf " %s %.1f", f, per[f] / n
			printf "\n"
		}'
}

for b in 1 32; do
	run split "$b" --ring split "$@"
	run "split in_order" "$b" --ring split --in-order "$@"
	run packed "$b" --ring packed "$@"
	run "packed in_order" "$b" --ring packed --in-order "$@"
done
