#!/usr/bin/env bash
# The guest SDK stands alone: `make sdk PREFIX=DIR` gives a folder that,
# copied anywhere, builds README's example guest with the README's one
# command, without a warning, under gcc and clang; the guest runs, and under
# --inject corrupt-copy its own check makes numig exit 1 with the example.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
NUMIG=$root/$build/numig
[ -x "$NUMIG" ] || NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if ! command -v pkg-config >/dev/null; then
	skip "guest SDK" "pkg-config not installed"; done_testing; exit
fi
if make -s -C "$root" BUILD="$build" sdk PREFIX="$tmp/installed" >"$tmp/make.log" 2>&1 &&
	[ -f "$tmp/installed/include/numig_guest.h" ] && [ -f "$tmp/installed/include/numig/abi.h" ] &&
	[ -f "$tmp/installed/lib/libnumig-guest.a" ] && [ -f "$tmp/installed/lib/numig/guest.ld" ] &&
	[ -f "$tmp/installed/lib/pkgconfig/numig-guest.pc" ]; then
	ok "make sdk PREFIX=DIR installs headers, runtime, linker script and numig-guest.pc"
else
	not_ok "make sdk PREFIX=DIR" "$(cat "$tmp/make.log"; ls -R "$tmp/installed" 2>&1)"
fi
# Moved elsewhere, the folder still works: the .pc file finds it from its own place.
mv "$tmp/installed" "$tmp/moved-sdk"
export PKG_CONFIG_PATH=$tmp/moved-sdk/lib/pkgconfig
if flags=$(pkg-config --cflags --libs numig-guest) && grep -q "$tmp/moved-sdk/" <<<"$flags"; then
	ok "pkg-config --cflags --libs numig-guest points into the moved folder"
else
	not_ok "pkg-config numig-guest" "$flags"
fi
# A frame larger than a page is probed from the top (issue 23, docs/design.md "Stack clash").
if grep -qw -- -fstack-clash-protection <<<"$flags"; then ok "pkg-config --cflags numig-guest asks for -fstack-clash-protection"
else not_ok "pkg-config --cflags numig-guest asks for -fstack-clash-protection" "$flags"; fi

# README's example, exactly as the README shows it, and its build command.
mkdir -p "$tmp/elsewhere"
awk '/^## Writing your own guest/ {s=1} s && /^```c$/ {c=1; next} c && /^```$/ {exit} c {print}' \
	"$root/README.md" >"$tmp/elsewhere/my_guest.c"
cmd='cc -O2 -Wall -o my_guest.elf my_guest.c $(pkg-config --cflags --libs numig-guest)'
if [ -s "$tmp/elsewhere/my_guest.c" ] && grep -qF "$cmd" "$root/README.md"; then
	ok "README has the example and the one-line build command"
else
	not_ok "README has the example and the one-line build command"
fi
for compiler in gcc clang; do
	if ! command -v $compiler >/dev/null; then skip "README example with $compiler" "$compiler not installed"; continue; fi
	out=$(cd "$tmp/elsewhere" && eval "${cmd/cc /$compiler -Wextra }" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ] && [ -f "$tmp/elsewhere/my_guest.elf" ]; then
		ok "README example builds outside the tree with $compiler, no warning"
	else
		not_ok "README example builds with $compiler without a warning (exit $rc)" "$out"
	fi
	cp "$tmp/elsewhere/my_guest.elf" "$tmp/elsewhere/my_guest.$compiler.elf" 2>/dev/null
done
G=$tmp/elsewhere/my_guest.gcc.elf
[ -f "$G" ] || G=$tmp/elsewhere/my_guest.clang.elf
if ! have_kvm; then
	skip "SDK guest runs" "/dev/kvm is absent or not accessible"
	skip "SDK guest catches --inject corrupt-copy" "/dev/kvm is absent or not accessible"
	done_testing; exit
fi
check "SDK guest runs clean: PASS, exit 0" 0 'integrity: PASS: guest: [0-9]+ words checked \(verdicts from 2 of 2 vCPUs\)' \
	-- run --guest "$G" --vcpus 2 --param passes=2
check "SDK guest under --inject corrupt-copy: exit 1 with the example" 1 \
	'guest: vCPU [01]: CORRUPT page [0-9]+ offset 0x[0-9a-f]+ expected 0x[0-9a-f]+ found 0x[0-9a-f]+' \
	-- run --guest "$G" --vcpus 2 --nodes 2 --migrate rate=500/s --inject corrupt-copy --duration 60s --migrations 400
done_testing
