#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `vrq-bench rpmsg` briefly (a smoke run, not a measurement): every row
# present with a rate, the raw reference next to it, notification counts;
# bad input refused with exit 2 and a message naming the option.
set -u
B="$1"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }

out=$("$B" rpmsg rr -l 0.05 --reps 1 -N poll,eventfd -s 1,496 -e 1,64 2>&1); rc=$?
echo "$out"
check "rr exit 0" '[ $rc -eq 0 ]'
check "rr rows" '[ "$(echo "$out" | grep -cE "^(poll|eventfd) +(1|496) +(1|64) +[0-9.]+[kM] \[")" -eq 8 ]'
check "rr raw + ratio" '[ "$(echo "$out" | grep -cE "[kM] \[[^]]*\] +[0-9.]+[kM] \[[^]]*\] +[0-9.]+ \[")" -eq 8 ]'

out=$("$B" rpmsg stream -l 0.05 --reps 1 -N eventfd -s 64 -b 32 --zero-copy 2>&1); rc=$?
echo "$out"
check "stream exit 0" '[ $rc -eq 0 ]'
check "stream row" '[ "$(echo "$out" | grep -cE "^eventfd +64 +1 +[0-9.]+[kM] \[")" -eq 1 ]'
check "stream says payload in place" 'echo "$out" | grep -q "payload in place"'

out=$("$B" rpmsg stream -l 0.05 --reps 1 -N poll -s 64 -b 32 --zero-copy --touch --no-raw 2>&1); rc=$?
echo "$out"
check "stream --touch exit 0" '[ $rc -eq 0 ]'
check "stream --touch row" '[ "$(echo "$out" | grep -cE "^poll +64 +1 +[0-9.]+[kM] \[")" -eq 1 ]'
check "stream --touch says so" 'echo "$out" | grep -q "payload touched"'

out=$("$B" rpmsg rr -l 0.05 --reps 1 -N futex --procs --no-raw 2>&1); rc=$?
echo "$out"
check "procs exit 0" '[ $rc -eq 0 ]'
check "procs row" '[ "$(echo "$out" | grep -cE "^futex +1 +1 +[0-9.]+[kM] \[")" -eq 1 ]'

for bad in "rr -s 497" "rr -e 0" "rr -e 1025" "rr -N nope" "rr -q 3" "rr -c 1,1" "rr --bogus" "walk" "rr --touch" "stream --touch"; do
	out=$("$B" rpmsg $bad 2>&1); rc=$?
	check "'$bad' exits 2 (got $rc)" '[ $rc -eq 2 ]'
	check "'$bad' says why" 'echo "$out" | grep -q "vrq-bench rpmsg"'
done
exit $fail
