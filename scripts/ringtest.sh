#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Linux's own ring benchmark (tools/virtio/ringtest) as a baseline for vrq.
#
#   scripts/ringtest.sh build [--dir DIR]
#       Download Debian's linux-source-6.1 package with `apt-get download`,
#       extract tools/virtio/ringtest (and the headers it includes) outside
#       this repository, and build ring, virtio_ring_0_9,
#       virtio_ring_inorder, virtio_ring_poll and ptr_ring into DIR
#       (default: build/ringtest, where vrq-bench looks for them).
#   scripts/ringtest.sh run [--dir DIR] [--cpus A,B] [--ring-size R]
#                           [--cycles N] [--reps K]
#       Run each binary K times (default 3) for N buffers (default 10^7),
#       guest (producer) on CPU A, host (consumer) on CPU B (default 0,1),
#       and print buffers/s, median [min-max].
#
# vrq-bench runs the same binaries next to vrq in one table:
#   vrq-bench stream -m 8 -b 1,32 --copy-mode zero-copy --ring split,packed \
#       --baseline spsc,linux-ringtest
#
# Kernel sources are GPL-2.0 and never enter this repository: they are
# unpacked under DIR/src (inside build/, which git ignores).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/ringtest"
cpus="0,1"
ring_size=256
cycles=10000000
reps=3
bins=(ring virtio_ring_0_9 virtio_ring_inorder virtio_ring_poll ptr_ring)

usage() {
	sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

die() {
	echo "ringtest.sh: $*" >&2
	exit 2
}

cmd=${1:-}
[[ -n $cmd ]] || usage 2
shift
while [[ $# -gt 0 ]]; do
	case "$1" in
	--dir) dir=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--ring-size) ring_size=$2; shift 2 ;;
	--cycles) cycles=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	-h | --help) usage 0 ;;
	*) die "unknown option '$1' (try --help)" ;;
	esac
done
[[ $cpus =~ ^[0-9]+,[0-9]+$ ]] || die "--cpus: expected A,B"
[[ $ring_size =~ ^[0-9]+$ ]] && ((ring_size > 0 && (ring_size & (ring_size - 1)) == 0)) ||
	die "--ring-size: expected a power of two"
[[ $cycles =~ ^[0-9]+$ ]] && ((cycles > 0 && cycles < 2147483647)) || die "--cycles: 1..2^31-2"
[[ $reps =~ ^[0-9]+$ ]] && ((reps > 0 && reps <= 101)) || die "--reps: 1..101"

build() {
	local src="$dir/src" deb tarball
	mkdir -p "$src"
	if [[ ! -f $src/.extracted ]]; then
		command -v apt-get >/dev/null || die "apt-get not found (Debian or Ubuntu needed)"
		command -v xz >/dev/null || die "xz not found (apt-get install xz-utils)"
		(cd "$src" && rm -f linux-source-6.1_*.deb && apt-get download linux-source-6.1) ||
			die "apt-get download linux-source-6.1 failed"
		deb=$(ls "$src"/linux-source-6.1_*.deb | head -1)
		echo "ringtest.sh: extracting tools/virtio/ringtest from $(basename "$deb")"
		tarball=./usr/src/linux-source-6.1.tar.xz
		(cd "$src" && dpkg-deb --fsys-tarfile "$deb" | tar -x "$tarball")
		(cd "$src" && tar -xJf "$tarball" linux-source-6.1/tools/virtio/ringtest \
			linux-source-6.1/include/linux/ptr_ring.h) ||
			die "the package does not have tools/virtio/ringtest"
		rm -rf "$src/usr" "$deb"
		touch "$src/.extracted"
	fi
	make -s -C "$src/linux-source-6.1/tools/virtio/ringtest" "${bins[@]}" ||
		die "building ringtest failed"
	for b in "${bins[@]}"; do
		cp "$src/linux-source-6.1/tools/virtio/ringtest/$b" "$dir/$b"
	done
	echo "ringtest.sh: built ${bins[*]} in $dir"
}

# median [min-max] of the numbers on stdin
summary() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2fM [%.2fM-%.2fM]", m / 1e6, v[1] / 1e6, v[NR] / 1e6 }'
}

run() {
	local a=${cpus%,*} b=${cpus#*,} bin t0 t1 rates k
	for bin in "${bins[@]}"; do
		[[ -x $dir/$bin ]] || die "$dir/$bin missing: run 'scripts/ringtest.sh build' first"
	done
	echo "Linux tools/virtio/ringtest: guest (producer) on CPU $a, host (consumer) on CPU $b,"
	echo "ring size $ring_size, $cycles buffers per run, $reps runs, polling (no --sleep)"
	printf '%-22s %s\n' binary "buffers/s median [min-max]"
	for bin in "${bins[@]}"; do
		rates=""
		for ((k = 0; k < reps; k++)); do
			t0=$(date +%s%N)
			"$dir/$bin" --guest-affinity "$a" --host-affinity "$b" --ring-size "$ring_size" \
				--run-cycles "$cycles" >/dev/null || die "$bin failed"
			t1=$(date +%s%N)
			rates+="$(awk -v n="$cycles" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1e9 / ns }')"$'\n'
		done
		printf '%-22s %s\n' "$bin" "$(printf '%s' "$rates" | summary)"
	done
}

case "$cmd" in
build) build ;;
run) run ;;
-h | --help) usage 0 ;;
*) die "unknown command '$cmd' (build, run)" ;;
esac
