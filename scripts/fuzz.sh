#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the libFuzzer targets of tests/fuzz/ and run each for a while, one
# after the other, printing per target the executions, executions per
# second and coverage (cov: edges, ft: features) from libFuzzer's final
# line.  Needs clang with -fsanitize=fuzzer (Debian/Ubuntu: clang,
# libclang-rt-14-dev or the matching version).

set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/fuzz.sh [-t SEC] [-c DIR] [-b BUILD] [-j JOBS] [TARGET...]

Build and run the libFuzzer targets, each for SEC seconds, sequentially.

  -t SEC    seconds per target (default 60)
  -c DIR    corpus root (default BUILD/fuzz-corpus); each target grows its
            corpus in DIR/<target>, first seeded from tests/fuzz/corpus/<target>.
            Keep it outside the source tree; the committed seeds are never
            written.
  -b BUILD  build directory (default build/default, configured with the
            default preset when it does not exist yet)
  -j JOBS   parallel build jobs (default 2)
  -h        this text

TARGETs: fuzz_split_dev fuzz_split_drv fuzz_packed_dev fuzz_packed_drv fuzz_mem
(default: all; the fuzz_ prefix may be left out).  Crash inputs are written
to BUILD/fuzz-artifacts/<target>/; the exit status is 1 if any target
crashed.  Replay one with the plain test program, e.g.
  BUILD/tests/fuzz/fuzz_split_dev DIR_WITH_THE_INPUT
EOF
}

src="$(cd "$(dirname "$0")/.." && pwd)"
all_targets=(fuzz_split_dev fuzz_split_drv fuzz_packed_dev fuzz_packed_drv fuzz_mem)
secs=60
corpus_root=""
build="$src/build/default"
jobs=2

while getopts ":t:c:b:j:h" opt; do
	case "$opt" in
	t) secs="$OPTARG" ;;
	c) corpus_root="$OPTARG" ;;
	b) build="$OPTARG" ;;
	j) jobs="$OPTARG" ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))

case "$secs" in
'' | *[!0-9]*)
	echo "fuzz.sh: -t wants whole seconds, not '$secs'" >&2
	exit 2
	;;
esac

targets=()
if [ $# -eq 0 ]; then
	targets=("${all_targets[@]}")
else
	for t in "$@"; do
		case "$t" in fuzz_*) ;; *) t="fuzz_$t" ;; esac
		found=0
		for a in "${all_targets[@]}"; do
			[ "$a" = "$t" ] && found=1
		done
		if [ "$found" -ne 1 ]; then
			echo "fuzz.sh: unknown target '$t'" >&2
			usage >&2
			exit 2
		fi
		targets+=("$t")
	done
fi

build="$(mkdir -p "$build" && cd "$build" && pwd)"
[ -n "$corpus_root" ] || corpus_root="$build/fuzz-corpus"
mkdir -p "$corpus_root"
corpus_root="$(cd "$corpus_root" && pwd)"
case "$corpus_root/" in
"$src/tests/"* | "$src/include/"* | "$src/core/"*)
	echo "fuzz.sh: the corpus directory must not be in the source tree" >&2
	exit 2
	;;
esac

# configure (libFuzzer targets on) and build
if [ ! -f "$build/CMakeCache.txt" ]; then
	if [ "$build" = "$src/build/default" ]; then
		(cd "$src" && cmake --preset default)
	else
		cmake -S "$src" -B "$build" -DVRQ_FUZZ_LIBFUZZER=ON
	fi
elif ! grep -q '^VRQ_FUZZ_LIBFUZZER:BOOL=ON' "$build/CMakeCache.txt"; then
	cmake -S "$src" -B "$build" -DVRQ_FUZZ_LIBFUZZER=ON
fi
build_targets=()
for t in "${targets[@]}"; do
	build_targets+=(--target "${t}_libfuzzer")
done
if ! cmake --build "$build" -j "$jobs" "${build_targets[@]}"; then
	echo "fuzz.sh: build failed (is clang with -fsanitize=fuzzer installed?)" >&2
	exit 1
fi

printf '\n%-16s %8s %12s %9s %6s %7s %7s  %s\n' target seconds execs exec/s cov ft corpus result
status=0
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/${t}_libfuzzer"
	corpus="$corpus_root/$t"
	art="$build/fuzz-artifacts/$t"
	log="$build/fuzz-artifacts/$t.log"
	mkdir -p "$art"
	if [ ! -d "$corpus" ]; then
		mkdir -p "$corpus"
		cp "$src/tests/fuzz/corpus/$t/"* "$corpus/"
	fi
	rc=0
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" >"$log" 2>&1 || rc=$?
	last="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)"
	execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
	rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
	cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
	ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
	corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc; see $log, inputs in $art)"
		status=1
	fi
	printf '%-16s %8s %12s %9s %6s %7s %7s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit "$status"
