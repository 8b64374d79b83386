#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: install missing packages, build, run the TCP_RR-style
# benchmark against its baselines and print the table.
#
#   scripts/bench.sh [vrq-bench rr options]   e.g. --reps 5 --notify all --json rr.json
#   scripts/bench.sh --build-only             install packages and build only
#   scripts/bench.sh --no-deps ...            skip scripts/deps.sh
#
# Installs missing packages (scripts/deps.sh bench), configures and builds
# the `default` preset (RelWithDebInfo: -O2 -g), then runs `vrq-bench rr`
# (defaults: 1-byte request/response, vrq split ring with the poll,
# eventfd and hybrid doorbells, and the baselines floor, spsc, eventfd,
# futex, pipe, socketpair, tcp and wfcq on the same two CPUs).
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
cmake --build --preset default --target vrq-bench vrq-bench-validate

exe=build/default/bench/cli/vrq-bench
[[ -x $exe ]] || { echo "bench.sh: vrq-bench was not built" >&2; exit 1; }

if ((build_only)); then
	echo "bench.sh: built $exe"
	exit 0
fi
exec "$exe" rr "${args[@]}"
