#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build and test vrq in every CMake preset (this is what CI runs).
#
#   scripts/test.sh                      all presets: default release clang asan-ubsan
#                                        tsan aarch64 riscv64
#   scripts/test.sh --preset default     one preset (repeatable)
#   scripts/test.sh --no-deps            skip scripts/deps.sh
#   scripts/test.sh --fresh              wipe build/<preset> first
#   scripts/test.sh -- <ctest args>      extra ctest arguments (e.g. -L unit)
#
# For each preset: cmake --preset X && cmake --build --preset X -j2 &&
# ctest --preset X --output-on-failure.  The last line printed is
# "N passed, N failed" with N counted in ctest tests over all presets
# (skipped tests, exit code 77, are in neither count; a preset whose
# configure or build fails counts as one failed test); the exit status is
# non-zero when anything failed.
set -uo pipefail

ALL_PRESETS=(default release clang asan-ubsan tsan aarch64 riscv64)
JOBS=${VRQ_JOBS:-2}

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

presets=()
do_deps=1
fresh=0
ctest_extra=()
while (($#)); do
	case "$1" in
	--preset)
		[[ $# -ge 2 ]] || { echo "test.sh: --preset needs a name" >&2; exit 2; }
		presets+=("$2")
		shift 2
		;;
	--preset=*)
		presets+=("${1#--preset=}")
		shift
		;;
	--no-deps) do_deps=0; shift ;;
	--fresh) fresh=1; shift ;;
	--) shift; ctest_extra=("$@"); break ;;
	-h | --help) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((${#presets[@]})) || presets=("${ALL_PRESETS[@]}")

for p in "${presets[@]}"; do
	case " ${ALL_PRESETS[*]} " in
	*" $p "*) ;;
	*) echo "test.sh: unknown preset '$p' (have: ${ALL_PRESETS[*]})" >&2; exit 2 ;;
	esac
done

if ((do_deps)); then
	if ! bash "$root/scripts/deps.sh" test; then
		echo "test.sh: dependency install failed" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

logdir="$root/build/logs"
mkdir -p "$logdir"

total_pass=0
total_fail=0
total_skip=0
summary=()
start_all=$SECONDS

hms() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

for p in "${presets[@]}"; do
	echo
	echo "=================== preset: $p ==================="
	t0=$SECONDS
	if ((fresh)); then
		rm -rf "$root/build/$p"
	fi

	if ! cmake --preset "$p"; then
		summary+=("$(printf '%-12s CONFIGURE FAILED (%s)' "$p" "$(hms $((SECONDS - t0)))")")
		total_fail=$((total_fail + 1))
		continue
	fi
	if ! cmake --build --preset "$p" -j"$JOBS"; then
		summary+=("$(printf '%-12s BUILD FAILED (%s)' "$p" "$(hms $((SECONDS - t0)))")")
		total_fail=$((total_fail + 1))
		continue
	fi

	log="$logdir/ctest-$p.log"
	ctest --preset "$p" --output-on-failure "${ctest_extra[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}

	# "100% tests passed, 0 tests failed out of 9"
	line=$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
	if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
		nfail=${BASH_REMATCH[1]}
		ntot=${BASH_REMATCH[2]}
		npass=$((ntot - nfail))
		if ((rc != 0 && nfail == 0)); then
			# ctest failed for another reason (e.g. no tests found)
			nfail=1
		fi
	else
		npass=0
		nfail=1
	fi
	# ctest counts skipped tests (exit 77) as passed; report them apart.
	nskip=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log" || true)
	npass=$((npass - nskip))
	((npass >= 0)) || npass=0
	total_pass=$((total_pass + npass))
	total_fail=$((total_fail + nfail))
	total_skip=$((total_skip + nskip))
	status=ok
	((nfail == 0)) || status=FAILED
	summary+=("$(printf '%-12s %-6s %3d passed, %3d failed, %3d skipped (%s)' \
		"$p" "$status" "$npass" "$nfail" "$nskip" "$(hms $((SECONDS - t0)))")")
done

echo
echo "=================== summary ==================="
printf '%s\n' "${summary[@]}"
echo "total time $(hms $((SECONDS - start_all))); $total_skip skipped; ctest logs in build/logs/"
echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
