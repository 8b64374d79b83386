#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# doc_comments: every public function of include/vrq/*.h (a declaration or
# inline definition at the start of a line, named vrq_* but not vrq__*)
# has a Doxygen comment (/** ... */) right above it, and docs/api.md names
# every public function family.  Prints the offenders.
#
#   doc_comments.sh SOURCE_DIR
set -uo pipefail
src=${1:?}
fails=0

undoc=$(awk '
	FNR == 1 { prev = ""; inblk = 0; doc = 0 }
	{
		line = $0
		if (line ~ /^(VRQ_INLINE |VRQ_ALWAYS_INLINE |static inline |extern )?(const )?(struct |enum |unsigned )?[A-Za-z_][A-Za-z0-9_]* \**vrq_[a-z0-9][a-z0-9_]*\(/) {
			name = line
			sub(/\(.*/, "", name)
			sub(/.*[ *]/, "", name)
			if (!(prev ~ /\*\/[ \t]*$/ && lastdoc))
				printf "%s:%d: %s\n", FILENAME, FNR, name
		}
		# track whether the most recent comment block was a /** one
		if (line ~ /\/\*/) lastdoc = (line ~ /\/\*\*/)
		if (line !~ /^[ \t]*$/) prev = line
	}' "$src"/include/vrq/*.h)
if [ -n "$undoc" ]; then
	echo "public functions without a /** */ comment right above them:"
	echo "$undoc"
	fails=1
fi

# every function family (vrq_<first>_<second> or vrq_<first>) appears in
# docs/api.md
api="$src/docs/api.md"
if [ ! -r "$api" ]; then
	echo "docs/api.md missing"
	exit 1
fi
missing=""
for fn in $(grep -ohE '^(VRQ_INLINE |VRQ_ALWAYS_INLINE )?(const )?(struct |enum |unsigned )?[A-Za-z_][A-Za-z0-9_]* \**vrq_[a-z0-9][a-z0-9_]*\(' \
	"$src"/include/vrq/*.h | grep -oE 'vrq_[a-z0-9][a-z0-9_]*' | sort -u); do
	case $fn in vrq_test_*) continue ;; esac
	grep -q "\b$fn\b" "$api" || missing="$missing $fn"
done
if [ -n "$missing" ]; then
	echo "docs/api.md does not name:$missing"
	fails=1
fi
if ((fails)); then
	exit 1
fi
echo "doc_comments: every public function is documented and listed in docs/api.md"
