#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build and run the throughput benchmark.
#
#   scripts/bench.sh [vrq-tput options]    e.g. --size 256 --batch 1,32 --reps 5
#   scripts/bench.sh --build-only          install packages and build only
#   scripts/bench.sh --no-deps ...         skip scripts/deps.sh
#
# Installs missing packages (scripts/deps.sh bench), configures and builds
# the `default` preset (RelWithDebInfo: -O2 -g), then runs vrq-tput, which
# prints the result table.
set -euo pipefail

cd "$(dirname "$0")/.."

do_deps=1
build_only=0
args=()
for a in "$@"; do
	case "$a" in
	--no-deps) do_deps=0 ;;
	--build-only) build_only=1 ;;
	*) args+=("$a") ;;
	esac
done

if ((do_deps)); then
	bash scripts/deps.sh bench
fi

cmake --preset default >/dev/null
cmake --build --preset default --target vrq-tput

exe=""
for cand in build/default/bench/vrq-tput build/default/vrq-tput; do
	if [[ -x $cand ]]; then
		exe=$cand
		break
	fi
done
[[ -n $exe ]] || { echo "bench.sh: vrq-tput was not built" >&2; exit 1; }

if ((build_only)); then
	echo "bench.sh: built $exe"
	exit 0
fi
exec "$exe" "${args[@]}"
