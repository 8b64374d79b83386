#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian packages vrq needs, idempotently.
#
#   scripts/deps.sh build   compilers, cmake, pkg-config, bench libraries
#   scripts/deps.sh test    build + clang, cross compilers, cross libc,
#                           qemu-user, valgrind (the perf gate), cmocka
#                           (what scripts/test.sh needs)
#   scripts/deps.sh bench   build + plotting tools
#   scripts/deps.sh docs    doxygen (optional: the `docs` target is skipped
#                           with a message when it is missing)
#   scripts/deps.sh all     everything above
#   scripts/deps.sh --list SET   print the package list and exit
#
# Installed packages are detected with dpkg; `apt-get update` runs once, and
# only when something is missing.  Uses sudo only when not root.
set -euo pipefail

BUILD_PKGS=(
	cmake gcc g++ make pkg-config
	liburcu-dev libhwloc-dev libnuma-dev libjansson-dev libbenchmark-dev hwloc-nox
)
TEST_PKGS=(
	"${BUILD_PKGS[@]}"
	gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu
	g++-aarch64-linux-gnu g++-riscv64-linux-gnu
	libc6-dev-arm64-cross libc6-dev-riscv64-cross
	qemu-user valgrind libcmocka-dev spin
	clang
)
DOCS_PKGS=(doxygen)
BENCH_PKGS=(
	"${BUILD_PKGS[@]}"
	gnuplot-nox
)

usage() {
	sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

list_only=0
if [[ ${1:-} == --list ]]; then
	list_only=1
	shift
fi

case "${1:-}" in
build) pkgs=("${BUILD_PKGS[@]}") ;;
test) pkgs=("${TEST_PKGS[@]}") ;;
bench) pkgs=("${BENCH_PKGS[@]}") ;;
docs) pkgs=("${DOCS_PKGS[@]}") ;;
all) pkgs=("${TEST_PKGS[@]}" gnuplot-nox "${DOCS_PKGS[@]}") ;;
-h | --help) usage 0 ;;
*) usage 2 ;;
esac

# De-duplicate, keeping order.
declare -A seen=()
uniq_pkgs=()
for p in "${pkgs[@]}"; do
	if [[ -z ${seen[$p]:-} ]]; then
		seen[$p]=1
		uniq_pkgs+=("$p")
	fi
done

if ((list_only)); then
	printf '%s\n' "${uniq_pkgs[@]}"
	exit 0
fi

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: dpkg/apt-get not found; install these by hand: ${uniq_pkgs[*]}" >&2
	exit 1
fi

installed() {
	dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for p in "${uniq_pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "deps.sh: all ${#uniq_pkgs[@]} packages for '$1' are installed"
	exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "deps.sh: not root and no sudo; install by hand: ${missing[*]}" >&2
		exit 1
	fi
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -q update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -q install -y \
	--no-install-recommends "${missing[@]}" </dev/null

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if ((${#still[@]})); then
	echo "deps.sh: still missing after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "deps.sh: done"
