#!/bin/sh
# SPDX-License-Identifier: MIT
#
# model_notify (ctest, label model): check tests/model/notify.pml with spin
# for both rings and both suppression modes:
#   - with every fence in place, the exhaustive search completes with no
#     error (no lost wake-up, every buffer delivered), for N=5 and N=9
#     buffers (indices and wrap counters wrap);
#   - with the producer's fence removed (F1 / F2) and with the consumer's
#     removed (F4 / F3), spin finds a lost wake-up.
#
# usage: run.sh [SPIN] [CC]
set -eu

SPIN=${1:-spin}
CC=${2:-cc}
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vrq-model.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"
cp "$HERE/notify.pml" .

fails=0
# check RING MODE OMIT N: expect no error when OMIT=0, an error otherwise
check() {
	"$SPIN" -a -DPACKED="$1" -DEVIDX="$2" -DOMIT="$3" -DN="$4" notify.pml >spin.log 2>&1 ||
		{ cat spin.log; echo "model_notify: spin -a failed"; exit 1; }
	"$CC" -O2 -DSAFETY -o pan pan.c 2>cc.log || { cat cc.log; echo "model_notify: pan build failed"; exit 1; }
	rm -f notify.pml.trail
	./pan -m1000000 >pan.log 2>&1 || true
	rname=split
	[ "$1" = 1 ] && rname=packed
	mname=flags
	[ "$2" = 1 ] && mname=event_idx
	case "$3" in
	0) what="all fences" ;;
	1) what="no F1/F2" ;;
	*) what="no F4/F3" ;;
	esac
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log)
	states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' pan.log)
	if [ "$3" = 0 ]; then
		if [ "$errors" = 0 ] && ! grep -q "Search not completed\|max search depth too small" pan.log; then
			echo "ok   $rname $mname N=$4 $what: no lost wake-up ($states states, exhaustive)"
		else
			echo "FAIL $rname $mname N=$4 $what: expected no error"
			cat pan.log
			fails=$((fails + 1))
		fi
	else
		if [ -n "$errors" ] && [ "$errors" -gt 0 ] && [ -e notify.pml.trail ] &&
			grep -q "invalid end state" pan.log; then
			echo "ok   $rname $mname N=$4 $what: lost wake-up found ($states states)"
		else
			echo "FAIL $rname $mname N=$4 $what: expected a lost wake-up"
			cat pan.log
			fails=$((fails + 1))
		fi
	fi
}

for ring in 0 1; do
	for mode in 0 1; do
		check $ring $mode 0 5
		check $ring $mode 0 9
		check $ring $mode 1 5
		check $ring $mode 2 5
	done
done
[ "$fails" = 0 ] || { echo "model_notify: $fails check(s) failed"; exit 1; }
echo "model_notify: ok"
