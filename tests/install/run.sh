#!/bin/sh
# SPDX-License-Identifier: MIT
#
# install_consumer test (driven by ctest, see tests/CMakeLists.txt):
#   1. cmake --install the build tree into a temporary prefix
#   2. check the installed layout (headers, arch/, libs, cmake config, vrq.pc)
#   3. build + run consumers with find_package(vrq): static, shared, headers
#   4. build + run a consumer with pkg-config --cflags --libs vrq: shared
#      with the rpath README advises (no LD_LIBRARY_PATH), and static
#      (libvrq.a + pkg-config --static); vrq-transport.pc and vrq-rpmsg.pc
#      likewise
#   5. build + run a header-only consumer with only -I<prefix>/include
#   6. the functions README says need libvrq are exactly libvrq's symbols
#
# Environment (set by ctest): VRQ_BUILD_DIR VRQ_SOURCE_DIR VRQ_CMAKE
# VRQ_CMAKE_GENERATOR VRQ_CC VRQ_CONFIG VRQ_LIBDIR VRQ_INCLUDEDIR VRQ_CMAKEDIR
# VRQ_EXTRA_FLAGS (sanitizer flags of the build) VRQ_ARCH_GENERIC (0/1).
# Set VRQ_KEEP_TMP=1 to keep the temporary directory.
set -eu

: "${VRQ_BUILD_DIR:?}" "${VRQ_SOURCE_DIR:?}" "${VRQ_CC:?}"
CMAKE=${VRQ_CMAKE:-cmake}
LIBDIR=${VRQ_LIBDIR:-lib}
INCLUDEDIR=${VRQ_INCLUDEDIR:-include}
CMAKEDIR=${VRQ_CMAKEDIR:-$LIBDIR/cmake/vrq}
EXTRA=${VRQ_EXTRA_FLAGS:-}
WARN="-Wall -Wextra -Werror"
HERE="$VRQ_SOURCE_DIR/tests/install"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vrq-install.XXXXXX")
cleanup() {
	if [ "${VRQ_KEEP_TMP:-0}" = 1 ]; then
		echo "install_consumer: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM

prefix="$tmp/prefix"
step() { echo "== install_consumer: $*"; }
fail() { echo "install_consumer: FAIL: $*" >&2; exit 1; }

step "install into $prefix"
if [ -n "${VRQ_CONFIG:-}" ]; then
	"$CMAKE" --install "$VRQ_BUILD_DIR" --prefix "$prefix" --config "$VRQ_CONFIG" >"$tmp/install.log" ||
		{ cat "$tmp/install.log"; fail "cmake --install"; }
else
	"$CMAKE" --install "$VRQ_BUILD_DIR" --prefix "$prefix" >"$tmp/install.log" ||
		{ cat "$tmp/install.log"; fail "cmake --install"; }
fi

step "check installed layout"
for f in \
	"$INCLUDEDIR/vrq/vrq.h" "$INCLUDEDIR/vrq/spec.h" "$INCLUDEDIR/vrq/barrier.h" \
	"$INCLUDEDIR/vrq/err.h" "$INCLUDEDIR/vrq/mem.h" "$INCLUDEDIR/vrq/split.h" \
	"$INCLUDEDIR/vrq/arch/select.h" "$INCLUDEDIR/vrq/arch/generic.h" \
	"$LIBDIR/libvrq.a" "$LIBDIR/libvrq.so" \
	"$CMAKEDIR/vrqConfig.cmake" "$CMAKEDIR/vrqConfigVersion.cmake" \
	"$CMAKEDIR/vrqTargets.cmake" "$LIBDIR/pkgconfig/vrq.pc"; do
	[ -e "$prefix/$f" ] || fail "missing $f in the install tree"
done
# Every public header and arch header of the source tree is installed.
for f in "$VRQ_SOURCE_DIR"/include/vrq/*.h; do
	[ -e "$prefix/$INCLUDEDIR/vrq/${f##*/}" ] || fail "include/vrq/${f##*/} not installed"
done
for f in "$VRQ_SOURCE_DIR"/arch/*.h; do
	[ -e "$prefix/$INCLUDEDIR/vrq/arch/${f##*/}" ] || fail "arch/${f##*/} not installed"
done
# Nothing from the source tree may leak into the install (core/, tests/).
if [ -d "$prefix/$INCLUDEDIR/vrq/core" ] || [ -d "$prefix/$INCLUDEDIR/arch" ]; then
	fail "unexpected directories in $INCLUDEDIR"
fi

export LD_LIBRARY_PATH="$prefix/$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

step "find_package(vrq) consumer"
set -- -S "$HERE/cmake-consumer" -B "$tmp/cmake-build" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$VRQ_CC" \
	-DCMAKE_C_FLAGS="$WARN $EXTRA" \
	-DCMAKE_EXE_LINKER_FLAGS="$EXTRA"
if [ -n "${VRQ_CMAKE_GENERATOR:-}" ]; then
	set -- "$@" -G "$VRQ_CMAKE_GENERATOR"
fi
"$CMAKE" "$@" >"$tmp/consumer-configure.log" 2>&1 ||
	{ cat "$tmp/consumer-configure.log"; fail "consumer configure"; }
"$CMAKE" --build "$tmp/cmake-build" >"$tmp/consumer-build.log" 2>&1 ||
	{ cat "$tmp/consumer-build.log"; fail "consumer build"; }
for exe in consumer_static consumer_shared consumer_headers; do
	"$tmp/cmake-build/$exe" || fail "$exe exited $?"
done
if [ -e "$prefix/$LIBDIR/libvrq_transport.a" ]; then
	"$tmp/cmake-build/consumer_transport" || fail "consumer_transport exited $?"
	# the exported target must not name the build machine's libnuma path
	if grep -q 'libnuma\.so' "$prefix/$CMAKEDIR"/vrqTargets*.cmake; then
		fail "vrqTargets.cmake hard-codes a libnuma path"
	fi
fi
if [ -e "$prefix/$LIBDIR/libvrq_rpmsg.a" ]; then
	[ -e "$prefix/$LIBDIR/libvrq_rpmsg_wire.a" ] || fail "libvrq_rpmsg_wire.a not installed"
	"$tmp/cmake-build/consumer_rpmsg" || fail "consumer_rpmsg exited $?"
	if grep -q 'liburcu[-a-z]*\.so' "$prefix/$CMAKEDIR"/vrqTargets*.cmake; then
		fail "vrqTargets.cmake hard-codes a liburcu path"
	fi
fi
# The shared consumer must really use the installed libvrq.so.
if command -v ldd >/dev/null 2>&1; then
	ldd "$tmp/cmake-build/consumer_shared" | grep -q "$prefix/$LIBDIR/libvrq.so" ||
		fail "consumer_shared does not load $prefix/$LIBDIR/libvrq.so"
fi

step "pkg-config consumer"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not installed"
PKG_CONFIG_PATH="$prefix/$LIBDIR/pkgconfig"
export PKG_CONFIG_PATH
pc_cflags=$(pkg-config --cflags vrq) || fail "pkg-config --cflags vrq"
pc_libs=$(pkg-config --libs vrq) || fail "pkg-config --libs vrq"
echo "pkg-config: cflags='$pc_cflags' libs='$pc_libs'"
# vrq.pc is relocatable (prefix from ${pcfiledir}): its -I must resolve to
# the install prefix.
want_inc=$(cd "$prefix/$INCLUDEDIR" && pwd -P)
pc_inc_ok=0
for flag in $pc_cflags; do
	case "$flag" in
	-I*)
		d=${flag#-I}
		if [ -d "$d" ] && [ "$(cd "$d" && pwd -P)" = "$want_inc" ]; then
			pc_inc_ok=1
		fi
		;;
	esac
done
[ "$pc_inc_ok" = 1 ] || fail "pkg-config --cflags does not point at $prefix/$INCLUDEDIR"
# shellcheck disable=SC2086,SC2046
"$VRQ_CC" $WARN $EXTRA -O2 "$HERE/consumer.c" -o "$tmp/pc_consumer" $(pkg-config --cflags --libs vrq) ||
	fail "pkg-config consumer build"
"$tmp/pc_consumer" || fail "pc_consumer exited $?"

# What README advises for a prefix outside the loader's path: an rpath.
pc_libdir=$(pkg-config --variable=libdir vrq) || fail "pkg-config --variable=libdir vrq"
# shellcheck disable=SC2086,SC2046
"$VRQ_CC" $WARN $EXTRA -O2 "$HERE/consumer.c" -o "$tmp/pc_consumer_rpath" \
	$(pkg-config --cflags --libs vrq) -Wl,-rpath,"$pc_libdir" || fail "pkg-config rpath consumer build"
env -u LD_LIBRARY_PATH "$tmp/pc_consumer_rpath" || fail "pc_consumer_rpath (no LD_LIBRARY_PATH) exited $?"

# Static: libvrq.a by path plus what Libs.private lists.
pc_static_all=$(pkg-config --static --libs vrq) || fail "pkg-config --static --libs vrq"
pc_static_libs=""
for flag in $pc_static_all; do
	[ "$flag" = -lvrq ] || pc_static_libs="$pc_static_libs $flag"
done
# shellcheck disable=SC2086,SC2046
"$VRQ_CC" $WARN $EXTRA -O2 "$HERE/consumer.c" -o "$tmp/pc_consumer_static" \
	$(pkg-config --cflags vrq) "$pc_libdir/libvrq.a" $pc_static_libs || fail "pkg-config static consumer build"
if command -v ldd >/dev/null 2>&1 && ldd "$tmp/pc_consumer_static" | grep -q 'libvrq\.so'; then
	fail "pc_consumer_static loads libvrq.so"
fi
env -u LD_LIBRARY_PATH "$tmp/pc_consumer_static" || fail "pc_consumer_static exited $?"

# A static library with its own .pc file: build and run SOURCE with
# pkg-config --cflags --libs PC (rpath, no LD_LIBRARY_PATH).
pc_consumer() { # PC SOURCE
	step "pkg-config $1 consumer"
	[ -e "$prefix/$LIBDIR/pkgconfig/$1.pc" ] || fail "$1.pc not installed"
	pc_xlibs=$(pkg-config --libs "$1") || fail "pkg-config --libs $1"
	echo "pkg-config: $1 libs='$pc_xlibs'"
	# shellcheck disable=SC2086,SC2046
	"$VRQ_CC" $WARN $EXTRA -O2 "$HERE/$2" -o "$tmp/pc_$1" \
		$(pkg-config --cflags --libs "$1") -Wl,-rpath,"$pc_libdir" ||
		fail "pkg-config $1 consumer build"
	env -u LD_LIBRARY_PATH "$tmp/pc_$1" || fail "pc_$1 exited $?"
}
if [ -e "$prefix/$LIBDIR/libvrq_transport.a" ]; then
	pc_consumer vrq-transport transport_consumer.c
fi
if [ -e "$prefix/$LIBDIR/libvrq_rpmsg.a" ]; then
	pc_consumer vrq-rpmsg rpmsg_consumer.c
fi

step "header-only consumer (no libvrq)"
hdr_defs=""
if [ "${VRQ_ARCH_GENERIC:-0}" = 1 ]; then
	hdr_defs="-DVRQ_ARCH_GENERIC=1"
fi
for opt in -O0 -O2; do
	# shellcheck disable=SC2086
	"$VRQ_CC" -std=gnu11 $WARN $EXTRA $opt $hdr_defs -I"$prefix/$INCLUDEDIR" \
		"$HERE/header_only.c" -o "$tmp/header_only$opt" || fail "header-only consumer build ($opt)"
	"$tmp/header_only$opt" || fail "header_only$opt exited $?"
done
# Also as plain C11 (no GNU extensions required from the consumer).
# shellcheck disable=SC2086
"$VRQ_CC" -std=c11 $WARN $EXTRA -O2 $hdr_defs -I"$prefix/$INCLUDEDIR" -c \
	"$HERE/header_only.c" -o "$tmp/header_only_c11.o" || fail "header-only consumer build (-std=c11)"

step "README's list of what needs libvrq = libvrq's functions"
# README.md, between the vrq-lib-functions markers: one name per line.
if command -v nm >/dev/null 2>&1; then
	sed -n '/<!-- vrq-lib-functions -->/,/<!-- \/vrq-lib-functions -->/p' "$VRQ_SOURCE_DIR/README.md" |
		grep -oE '^vrq_[a-z0-9_]+' | sort -u >"$tmp/readme-funcs"
	[ -s "$tmp/readme-funcs" ] || fail "README.md has no vrq-lib-functions list"
	nm -g --defined-only "$prefix/$LIBDIR/libvrq.a" | awk '$2 == "T" { print $3 }' |
		grep -v '^vrq_ffi_' | sort -u >"$tmp/lib-funcs"
	if ! diff -u "$tmp/readme-funcs" "$tmp/lib-funcs"; then
		fail "README.md's list of library functions differs from libvrq.a (- README, + library)"
	fi
else
	echo "install_consumer: nm not found, list check skipped"
fi

echo "install_consumer: ok"
