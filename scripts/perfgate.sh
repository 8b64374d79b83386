#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Performance regression gate: instructions per ring operation, counted by
# callgrind (deterministic: the same binary gives the same counts on a busy
# or an idle machine), compared with a committed baseline.
#
#   scripts/perfgate.sh                     measure, compare, print the table
#   scripts/perfgate.sh --update "REASON"   measure and rewrite the baseline,
#                                           with REASON appended to its history
#   options: --binary PATH (default build/default/tests/perf/vrq-perfgate,
#            built with the default preset if missing), --baseline FILE
#            (default results/perfgate/baseline.txt), --compiler "ID"
#            (default: the compiler recorded in the build), --rounds N
#            (default 2000), --threshold PCT (default 3)
#
# Exit: 0 no operation grew more than the threshold; 1 one did (or the
# workload misbehaved); 2 usage or tool error; 77 skipped (no valgrind, or
# a baseline from another compiler family, major version or architecture).
#
# CPUs: operations that call into libc (the RPMsg copies: glibc picks its
# memcpy by CPU) are compared with the loose threshold, with a warning,
# when the CPU (vendor, family, model, recorded as "cpu" in the baseline)
# differs from the baseline's; the ring operations call no libc.
#
# Compilers: instruction counts depend on the compiler.  The baseline
# records the one it was made with ("GNU 12.2.0 x86_64").  Same compiler:
# the threshold holds (3%).  Same family and major version, another
# minor/patch release: a warning, and the comparison uses 15%.  Another
# family, major version or architecture: the comparison is skipped (exit
# 77) with a message; run --update with that compiler to gate it.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

binary=""
baseline="$root/results/perfgate/baseline.txt"
compiler=""
rounds=2000
threshold=3
loose=15
update=0
reason=""

usage() {
	sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while (($#)); do
	case "$1" in
	--binary) binary=${2:?}; shift 2 ;;
	--baseline) baseline=${2:?}; shift 2 ;;
	--compiler) compiler=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--threshold) threshold=${2:?}; shift 2 ;;
	--update)
		[[ $# -ge 2 && -n $2 ]] || { echo "perfgate: --update needs a reason" >&2; exit 2; }
		update=1
		reason=$2
		shift 2
		;;
	-h | --help) usage 0 ;;
	*) echo "perfgate: unknown argument '$1'" >&2; usage 2 ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "perfgate: --rounds: '$rounds' is not a positive integer" >&2; exit 2; }
[[ $threshold =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "perfgate: --threshold: '$threshold' is not a number" >&2; exit 2; }

if ! command -v valgrind >/dev/null 2>&1; then
	echo "perfgate: SKIP: valgrind is not installed (Debian: apt-get install valgrind; scripts/deps.sh test)"
	exit 77
fi

if [[ -z $binary ]]; then
	binary="$root/build/default/tests/perf/vrq-perfgate"
	if [[ ! -x $binary ]]; then
		echo "perfgate: building $binary (default preset)"
		{ cmake --preset default >/dev/null && cmake --build --preset default --target vrq-perfgate >/dev/null; } ||
			{ echo "perfgate: build failed" >&2; exit 2; }
	fi
fi
[[ -x $binary ]] || { echo "perfgate: no executable $binary" >&2; exit 2; }
if [[ -z $compiler ]]; then
	idfile="$(dirname "$binary")/vrq-perfgate.compiler"
	[[ -r $idfile ]] || { echo "perfgate: $idfile missing: pass --compiler" >&2; exit 2; }
	compiler=$(<"$idfile")
fi

# Compare against a baseline from a comparable compiler only: decided
# before anything is measured.
if ((!update)); then
	[[ -r $baseline ]] || { echo "perfgate: no baseline $baseline (run with --update \"REASON\")" >&2; exit 2; }
	base_comp=$(awk '$1 == "compiler" { $1 = ""; sub(/^ /, ""); print; exit }' "$baseline")
	declare -A base=()
	while read -r kw op val; do
		[[ $kw == op ]] && base[$op]=$val
	done <"$baseline"

	# "GNU 12.2.0 x86_64" -> family GNU, major 12, arch x86_64
	read -r bfam bver barch <<<"$base_comp"
	read -r cfam cver carch <<<"$compiler"
	limit=$threshold
	if [[ $base_comp != "$compiler" ]]; then
		if [[ $bfam != "$cfam" || ${bver%%.*} != "${cver%%.*}" || $barch != "$carch" ]]; then
			echo "perfgate: SKIP: the baseline was made with '$base_comp', this build uses '$compiler';"
			echo "perfgate: instruction counts of another compiler family, major version or"
			echo "perfgate: architecture do not compare.  To gate this compiler: scripts/perfgate.sh --update \"REASON\""
			exit 77
		fi
		limit=$loose
		echo "perfgate: WARNING: baseline compiler '$base_comp', this build '$compiler':"
		echo "perfgate: same family and major version, comparing with a ${loose}% threshold instead of ${threshold}%"
	fi
fi

# this machine's CPU: vendor family model (libc's memcpy choice follows it)
cpu_id() {
	awk -F': *' '$1 ~ /^vendor_id/ && !v { v = $2 } $1 ~ /^cpu family/ && !f { f = $2 }
		$1 ~ /^model[ \t]*$/ && !m { m = $2 } END { printf "%s %s %s\n", v ? v : "unknown", f, m }' \
		/proc/cpuinfo 2>/dev/null || echo unknown
}
cpu=${VRQ_PERFGATE_CPU:-$(cpu_id)} # the override is for tests/perf/gate_catches.sh
libc_limit=${limit:-$threshold}
if ((!update)); then
	base_cpu=$(awk '$1 == "cpu" { $1 = ""; sub(/^ /, ""); print; exit }' "$baseline")
	if [[ -n $base_cpu && $base_cpu != "$cpu" ]]; then
		libc_limit=$loose
		echo "perfgate: WARNING: baseline CPU '$base_cpu', this CPU '$cpu': operations that call"
		echo "perfgate: libc (rpmsg_*: glibc picks memcpy by CPU) compare with ${loose}%"
	fi
fi

# the operations this build measures (RPMsg ones when it has the layer)
mapfile -t OPS < <("$binary" --list 2>/dev/null)
((${#OPS[@]})) || { echo "perfgate: $binary --list printed no operation" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vrq-perfgate.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# The workload must be right before its cost means anything.
if ! "$binary" "$rounds" >"$tmp/run.txt" 2>&1; then
	cat "$tmp/run.txt"
	echo "perfgate: FAIL: the workload itself failed" >&2
	exit 1
fi

# One callgrind run per operation, collecting only inside its function
# (inclusive of everything it calls): instructions / rounds = per call.
declare -A cur=()
for op in "${OPS[@]}"; do
	out="$tmp/cg.$op"
	if ! valgrind --tool=callgrind --collect-atstart=no --toggle-collect="pg_${op}*" \
		--callgrind-out-file="$out" "$binary" "$rounds" >"$tmp/vg.$op" 2>&1; then
		cat "$tmp/vg.$op"
		echo "perfgate: valgrind failed on $op" >&2
		exit 2
	fi
	total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
	[[ -n $total && $total -gt 0 ]] || { echo "perfgate: no instructions collected for $op" >&2; exit 2; }
	cur[$op]=$(awk -v t="$total" -v n="$rounds" 'BEGIN { printf "%.2f", t / n }')
done

write_baseline() {
	local f=$1
	mkdir -p "$(dirname "$f")"
	{
		echo "# vrq perf gate baseline: callgrind instructions per operation"
		echo "# (scripts/perfgate.sh; workload tests/perf/perfgate.c, queue size 256,"
		echo "# EVENT_IDX, SMP domain).  Update with: scripts/perfgate.sh --update \"REASON\""
		echo "compiler $compiler"
		echo "cpu $cpu"
		echo "rounds $rounds"
		if [[ -r $baseline ]]; then
			grep '^reason ' "$baseline"
		fi
		echo "reason $(date -u +%Y-%m-%d): $reason"
		for op in "${OPS[@]}"; do
			echo "op $op ${cur[$op]}"
		done
	} >"$f.tmp" && mv "$f.tmp" "$f"
}

if ((update)); then
	write_baseline "$baseline"
	echo "perfgate: baseline rewritten: $baseline"
	printf '%-26s %12s\n' "operation" "instr/op"
	for op in "${OPS[@]}"; do
		printf '%-26s %12s\n' "$op" "${cur[$op]}"
	done
	exit 0
fi

printf '%-26s %12s %12s %9s  %s\n' "operation" "baseline" "now" "change" "verdict (limit +${limit}%)"
fails=0
for op in "${OPS[@]}"; do
	b=${base[$op]:-}
	c=${cur[$op]}
	if [[ -z $b ]]; then
		printf '%-26s %12s %12s %9s  %s\n' "$op" "-" "$c" "-" "NEW (not in the baseline)"
		continue
	fi
	l=$limit
	[[ $op == rpmsg_* ]] && l=$libc_limit
	read -r pct verdict < <(awk -v b="$b" -v c="$c" -v l="$l" 'BEGIN {
		p = b > 0 ? (c - b) * 100 / b : 0
		printf "%+.2f%% %s\n", p, (p > l ? "FAIL" : "ok") }')
	[[ $verdict == FAIL ]] && fails=$((fails + 1))
	[[ $l != "$limit" ]] && verdict+=" (limit +${l}%: another CPU)"
	printf '%-26s %12s %12s %9s  %s\n' "$op" "$b" "$c" "$pct" "$verdict"
done
if ((fails)); then
	echo "perfgate: FAIL: $fails operation(s) grew more than ${limit}% (baseline $baseline)"
	exit 1
fi
echo "perfgate: ok: no operation grew more than ${limit}%"
exit 0
