#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/asm/check.sh ROOT - compile asm_hot.c with -S for every architecture
# whose compiler is present and check the fences each hot function emits.
# Exit 0 pass, 1 fail, 77 if no compiler at all could be run.
set -u
root=${1:?usage: check.sh SOURCE_ROOT}
src=$root/tests/asm/asm_hot.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 ran=0

# body FILE FUNC: the instructions of FUNC in an -S listing
body() { awk -v f="$2" '$0 ~ "^"f":" {on=1; next} on && /^\t\.size/ {exit} on && /^\t[a-z]/ {print}' "$1"; }

expect() { # expect FILE FUNC REGEX(must match) [REGEX(must not match)]
	local b; b=$(body "$1" "$2")
	if ! grep -Eq "$3" <<<"$b"; then
		echo "FAIL $(basename "$1") $2: expected /$3/ in:"; echo "$b"; fail=1
	fi
	if [ -n "${4:-}" ] && grep -Eq "$4" <<<"$b"; then
		echo "FAIL $(basename "$1") $2: unexpected /$4/ in:"; echo "$b"; fail=1
	fi
}

compile() { # compile CC OUT
	command -v "$1" >/dev/null 2>&1 || return 1
	"$1" -std=gnu11 -O2 -S -I"$root/include" -I"$root" "$src" -o "$2"
}

if compile gcc "$tmp/x86.s" && grep -q x86_64 <<<"$(gcc -dumpmachine)"; then
	ran=1
	expect "$tmp/x86.s" asm_drv_publish 'movw' 'mfence|lock|xchg'
	expect "$tmp/x86.s" asm_store_release_smp 'movw' 'mfence|lock|xchg'
	expect "$tmp/x86.s" asm_dev_pop_acquire 'movzwl|movw' 'mfence|lfence|lock'
	expect "$tmp/x86.s" asm_full_fence_smp 'lock' 'mfence'
	expect "$tmp/x86.s" asm_store_release_io 'movw' 'mfence|lock|xchg'
	expect "$tmp/x86.s" asm_load_acquire_io 'movzwl' 'mfence|lfence|lock'
	expect "$tmp/x86.s" asm_read_noncoh 'mfence' 'sfence'
fi
if compile aarch64-linux-gnu-gcc "$tmp/a64.s"; then
	ran=1
	expect "$tmp/a64.s" asm_drv_publish 'stlrh' 'dmb'
	expect "$tmp/a64.s" asm_store_release_smp 'stlrh' 'dmb'
	expect "$tmp/a64.s" asm_dev_pop_acquire 'ldarh' 'dmb'
	# IO release orders earlier loads too: the full dmb osh, never oshst
	expect "$tmp/a64.s" asm_store_release_io 'dmb[[:space:]]+osh$' 'dmb[[:space:]]+oshst|stlrh'
	expect "$tmp/a64.s" asm_load_acquire_io 'ldrh[^$]*|dmb[[:space:]]+oshld' 'dmb[[:space:]]+oshst'
	expect "$tmp/a64.s" asm_load_acquire_io 'dmb[[:space:]]+oshld'
	expect "$tmp/a64.s" asm_full_fence_smp 'dmb[[:space:]]+ish' 'dmb[[:space:]]+osh'
fi
if compile riscv64-linux-gnu-gcc "$tmp/rv.s"; then
	ran=1
	# gcc 12 emits "fence iorw,iorw; sh" for a 16-bit release store (newer
	# gcc: "fence rw,w"): either way one fence before the store
	expect "$tmp/rv.s" asm_store_release_smp 'fence[[:space:]]+(rw,w|iorw,iorw)'
	expect "$tmp/rv.s" asm_store_release_io 'fence[[:space:]]+iorw,ow' 'fence[[:space:]]+ow,ow'
	expect "$tmp/rv.s" asm_load_acquire_io 'fence[[:space:]]+ir,iorw' 'fence[[:space:]]+ir,ir'
	expect "$tmp/rv.s" asm_full_fence_smp 'fence[[:space:]]+rw,rw'
fi
# riscv64 with Zicbom: the block size comes from vrq_cache_set_block_size(),
# not from a constant (no "andi ...,-64" mask; NONCOH support reads it)
if command -v riscv64-linux-gnu-gcc >/dev/null 2>&1 &&
	riscv64-linux-gnu-gcc -std=gnu11 -O2 -S -march=rv64gc_zicbom -I"$root/include" -I"$root" \
		"$src" -o "$tmp/rvz.s" 2>/dev/null; then
	ran=1
	expect "$tmp/rvz.s" asm_noncoh_supported 'vrq_riscv_cbom_block'
	expect "$tmp/rvz.s" asm_read_noncoh 'cbo\.flush' 'andi[^#]*-64'
fi

# Per-call-site code size (bytes of .text*, one call site per object, built
# from size_site.c): the run-time-dispatch entry point next to its
# fixed-domain (_smp) form.  The fixed-domain sites have budgets (x86_64
# gcc, -O2; about 15% above what they measured when set): a site over its
# budget fails.  The run-time ones are printed for comparison.
site_size() { # site_size CC SITE
	"$1" -std=gnu11 -O2 -c -I"$root/include" -I"$root" -DSITE_"$2" "$root/tests/asm/size_site.c" \
		-o "$tmp/site.o" || return 1
	size -A "$tmp/site.o" | awk '/^\.text/ {t += $2} END {print t + 0}'
}
budgets=(
	vq_drv_add_smp:1751
	vq_drv_add_batch_smp:3007
	vq_drv_kick_prepare_smp:825
	vq_drv_get_used_smp:1522
	vq_drv_get_used_batch_smp:1619
	vq_dev_pop_smp:3885
	vq_dev_push_smp:922
	vq_dev_notify_prepare_smp:1101
	split_dev_pop_smp:1652
	packed_dev_pop_smp:2197
	packed_drv_get_used_smp:612
)
if command -v size >/dev/null 2>&1 && grep -q x86_64 <<<"$(gcc -dumpmachine)"; then
	ran=1
	printf '%-28s %9s %9s %9s\n' "call site (x86_64 gcc -O2)" run-time fixed budget
	for e in "${budgets[@]}"; do
		site=${e%%:*} budget=${e#*:} rt=${site%_smp}
		a=$(site_size gcc "$rt") && b=$(site_size gcc "$site") || { echo "FAIL compiling $site"; fail=1; continue; }
		printf '%-28s %9s %9s %9s\n' "$rt" "$a" "$b" "$budget"
		if [ "$b" -gt "$budget" ]; then
			echo "FAIL $site: $b bytes at one call site, budget $budget"; fail=1
		fi
	done
fi
[ "$ran" = 1 ] || { echo "no compiler could be run"; exit 77; }
[ "$fail" = 0 ] && echo "asm check: ok"
exit "$fail"
