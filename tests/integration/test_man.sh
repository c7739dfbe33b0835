#!/usr/bin/env bash
# The man pages (docs/man/*.scd, built by make with scdoc) list exactly the
# options that --help lists, for numig, numig-emu and numig-bench: every
# option of --help is in the page, and every option in the page is in --help.
# needs-kvm: no
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"

if ! command -v scdoc >/dev/null; then
	skip "man pages" "scdoc not installed (make deps installs it)"; done_testing; exit
fi
# Long options as words (--name) in the help text; in the page, those of its
# option entries: scdoc writes each entry's term as the line before ".RS 4",
# a dash as \- and fonts as \fB...\fR (options named in examples and
# prose are not entries).
opts() { grep -oE '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }
entries() { awk '/^\.RS 4/ { print prev } { prev = $0 }' | sed 's/\\-/-/g; s/\\f[BIRP]//g' | opts; }
for prog in numig numig-emu numig-bench; do
	page=$root/$build/man/$prog.1
	if [ ! -s "$page" ]; then not_ok "$prog(1) built by make" "no $page"; continue; fi
	help=$("$root/$build/$prog" --help 2>&1); rc=$?
	if [ $rc -ne 0 ] || [ -z "$help" ]; then not_ok "$prog --help exits 0 with the options (exit $rc)" "$help"; continue; fi
	h=$(opts <<<"$help") m=$(entries <"$page")
	missing=$(comm -23 <(echo "$h") <(echo "$m")) extra=$(comm -13 <(echo "$h") <(echo "$m"))
	if [ -z "$missing" ] && [ -z "$extra" ] && [ "$(wc -l <<<"$h")" -ge 2 ]; then
		ok "$prog(1) and $prog --help list the same $(wc -l <<<"$h") options"
	else
		not_ok "$prog(1) vs --help" "in --help, not the page: $(echo $missing); in the page, not --help: $(echo $extra)"
	fi
done
if [ -s "$root/$build/man/numig-guest.7" ] && grep -q 'pkg-config --cflags --libs numig-guest' "$root/$build/man/numig-guest.7" &&
	grep -q 'numig\\_report\\_bad\\_word\|numig_report_bad_word' "$root/$build/man/numig-guest.7"; then
	ok "numig-guest(7): the SDK's build command and its calls"
else
	not_ok "numig-guest(7) built, with the build command and numig_report_bad_word"
fi
# man itself renders every page without a warning.
if command -v man >/dev/null; then
	for p in "$root/$build"/man/*.[17]; do
		out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$p" 2>&1 >/dev/null)
		if [ -z "$out" ]; then ok "man -l $(basename "$p"): no warning"; else not_ok "man -l $(basename "$p")" "$out"; fi
	done
fi
done_testing
