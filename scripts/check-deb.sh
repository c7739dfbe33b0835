#!/usr/bin/env bash
# `make check`'s Debian step: make deb (dpkg-buildpackage -us -uc -b in a
# copy of the tree, then lintian: no error), then the packages' contents,
# unpacked with dpkg -x into a directory of their own: the programs and the
# SDK are there, the unpacked numig runs the integrity guest with migration
# (with KVM), and an SDK guest builds with pkg-config against it.
#   scripts/check-deb.sh BUILD_DIR      TAP, ending "N passed, N failed, N skipped"
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if ! command -v dpkg-buildpackage >/dev/null; then
	skip "make deb" "dpkg-buildpackage is not installed (apt-get install dpkg-dev debhelper)"; done_testing; exit
fi
if out=$(make -s BUILD="$build" deb 2>&1); then
	ok "make deb: $(ls "$build"/deb/*.deb | xargs -n1 basename | tr '\n' ' ')"
else
	not_ok "make deb" "$out"; done_testing; exit
fi
if command -v lintian >/dev/null; then
	e=$(grep -c '^E:' "$build/deb/lintian.log") w=$(grep -c '^W:' "$build/deb/lintian.log")
	if [ "$e" -eq 0 ]; then ok "lintian: 0 errors ($w warnings)"; else not_ok "lintian: $e errors" "$(grep '^E:' "$build/deb/lintian.log")"; fi
else
	skip "lintian" "lintian is not installed"
fi
deb=$(ls "$build"/deb/numig_*_amd64.deb) dev=$(ls "$build"/deb/numig-guest-dev_*_amd64.deb)
dpkg -x "$deb" "$tmp/root" && dpkg -x "$dev" "$tmp/root"
missing=$(for f in usr/bin/numig usr/bin/numig-emu usr/bin/numig-bench usr/libexec/numig/guests/integrity.elf \
	usr/libexec/numig/emu/init.sh usr/share/man/man1/numig.1.gz usr/include/numig_guest.h usr/lib/libnumig-guest.a \
	usr/lib/pkgconfig/numig-guest.pc usr/share/man/man7/numig-guest.7.gz; do [ -f "$tmp/root/$f" ] || echo "$f"; done)
if [ -z "$missing" ]; then ok "the packages hold the programs, guests, SDK and man pages"; else not_ok "missing from the packages" "$missing"; fi
if dpkg-deb -f "$deb" Depends | grep -q libnuma; then ok "numig depends on $(dpkg-deb -f "$deb" Depends)"; else not_ok "numig's Depends" "$(dpkg-deb -f "$deb" Depends)"; fi
mkdir -p "$tmp/elsewhere"
awk '/^## Writing your own guest/ {s=1} s && /^```c$/ {c=1; next} c && /^```$/ {exit} c {print}' README.md >"$tmp/elsewhere/my_guest.c"
out=$(cd "$tmp/elsewhere" && PKG_CONFIG_PATH=$tmp/root/usr/lib/pkgconfig \
	sh -c 'cc -O2 -Wall -o my_guest.elf my_guest.c $(pkg-config --cflags --libs numig-guest)' 2>&1)
if [ -f "$tmp/elsewhere/my_guest.elf" ] && [ -z "$out" ]; then ok "an SDK guest builds against numig-guest-dev"; else not_ok "SDK guest build" "$out"; fi
if ! have_kvm; then
	skip "the packaged numig runs integrity" "/dev/kvm is absent or not accessible (test_install.sh runs an installed numig in the emulated host)"
	done_testing; exit
fi
out=$(cd "$tmp/elsewhere" && timeout 120 "$tmp/root/usr/bin/numig" run --guest integrity --vcpus 2 --nodes 2 --duration 1s \
	--migrate rate=500/s,pattern=pingpong 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^integrity: PASS' <<<"$out"; then ok "the packaged numig (stripped guests): integrity PASS with migration"
else not_ok "packaged numig run (exit $rc)" "$out"; fi
out=$(cd "$tmp/elsewhere" && timeout 120 "$tmp/root/usr/bin/numig" run --guest ./my_guest.elf --vcpus 2 --duration 300ms 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'words checked, 0 bad' <<<"$out"; then ok "the SDK guest runs under the packaged numig"; else not_ok "SDK guest run (exit $rc)" "$out"; fi
done_testing
