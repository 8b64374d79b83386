#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# perfgate_catches_regression: the gate must fail on a build of the same
# workload with an extra full fence and a 256-byte copy in every operation
# (VRQ_PERFGATE_INJECT), and name the operations that grew.
#
#   gate_catches.sh PERFGATE_SH CLEAN_BINARY INJECTED_BINARY
#
# The clean binary's counts become a private baseline first, so this test
# proves the detection itself, independently of the committed baseline.
set -uo pipefail
gate=${1:?} clean=${2:?} injected=${3:?}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vrq-gate-catches.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# every operation the build measures (10 ring ones, 4 more with RPMsg)
nops=$("$clean" --list | wc -l)
((nops >= 10)) || { echo "gate_catches: FAIL: $clean --list names $nops operations" >&2; exit 1; }

bash "$gate" --binary "$clean" --baseline "$tmp/base.txt" --rounds 500 --update "private baseline"
rc=$?
if ((rc == 77)); then
	exit 77
elif ((rc != 0)); then
	echo "gate_catches: FAIL: --update on the clean build exited $rc" >&2
	exit 1
fi

# the clean build against its own baseline: no change at all
bash "$gate" --binary "$clean" --baseline "$tmp/base.txt" --rounds 500 >"$tmp/clean.txt" 2>&1
rc=$?
cat "$tmp/clean.txt"
if ((rc != 0)); then
	echo "gate_catches: FAIL: the clean build fails its own baseline (exit $rc)" >&2
	exit 1
fi
nrows=$(awk '$1 ~ /^(split|packed|rpmsg)_/ && $4 == "+0.00%"' "$tmp/clean.txt" | wc -l)
if ((nrows != nops)); then
	echo "gate_catches: FAIL: $nrows of $nops operations unchanged between two runs of the same build" >&2
	exit 1
fi

bash "$gate" --binary "$injected" --baseline "$tmp/base.txt" --rounds 500 >"$tmp/inj.txt" 2>&1
rc=$?
cat "$tmp/inj.txt"
if ((rc != 1)); then
	echo "gate_catches: FAIL: the gate exited $rc on the injected regression, expected 1" >&2
	exit 1
fi
nfail=$(grep -cE ' FAIL$' "$tmp/inj.txt")
if ((nfail != nops)); then
	echo "gate_catches: FAIL: $nfail of $nops operations flagged, expected all $nops" >&2
	exit 1
fi
# another compiler: skipped before measuring (77, with a message); another
# release of the same compiler and major version: a warning and 15%
comp=$(awk '$1 == "compiler" { $1 = ""; sub(/^ /, ""); print; exit }' "$tmp/base.txt")
read -r fam ver arch <<<"$comp"
bash "$gate" --binary "$injected" --baseline "$tmp/base.txt" --rounds 500 \
	--compiler "Other$fam $ver $arch" >"$tmp/other.txt" 2>&1
rc=$?
if ((rc != 77)) || ! grep -q "SKIP: the baseline was made with" "$tmp/other.txt"; then
	cat "$tmp/other.txt"
	echo "gate_catches: FAIL: another compiler family: exit $rc, expected 77 with a message" >&2
	exit 1
fi
bash "$gate" --binary "$clean" --baseline "$tmp/base.txt" --rounds 500 \
	--compiler "$fam ${ver%%.*}.99.0 $arch" >"$tmp/minor.txt" 2>&1
rc=$?
if ((rc != 0)) || ! grep -q "comparing with a 15% threshold" "$tmp/minor.txt"; then
	cat "$tmp/minor.txt"
	echo "gate_catches: FAIL: another minor release: exit $rc, expected 0 with a 15% warning" >&2
	exit 1
fi
# another CPU: the libc-calling operations (rpmsg_*) compare with 15%
if ((nops > 10)); then
	VRQ_PERFGATE_CPU="OtherVendor 1 1" bash "$gate" --binary "$clean" --baseline "$tmp/base.txt" \
		--rounds 500 >"$tmp/cpu.txt" 2>&1
	rc=$?
	if ((rc != 0)) || ! grep -q "rpmsg_\*.*compare with 15%" "$tmp/cpu.txt" ||
		! grep -q "^rpmsg_recv .*(limit +15%: another CPU)" "$tmp/cpu.txt" ||
		grep -q "^split_add_publish .*another CPU" "$tmp/cpu.txt"; then
		cat "$tmp/cpu.txt"
		echo "gate_catches: FAIL: another CPU: exit $rc, expected 0, 15% for rpmsg_* only" >&2
		exit 1
	fi
fi
echo "gate_catches: ok: the injected fence + copy fails all $nops operations; other compilers skip or warn"
