#!/usr/bin/env bash
# numig as an installed tool (README "Installing"): `make install` into a
# staging DESTDIR, the staged prefix copied elsewhere and the source tree out
# of reach (a private mount namespace lays an empty tmpfs over it), then the
# installed numig runs the integrity guest with migration, an SDK guest built
# with pkg-config against the prefix runs, the man pages are found, `make
# uninstall` removes every file, and the kselftest collection, run by a
# minimal runner that follows kselftest-list.txt and settings, ends with
# every test ok or skipped with a reason.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# ---- install, relocate, uninstall (no KVM needed)
if make -s -C "$root" BUILD="$build" install DESTDIR="$tmp/stage" PREFIX=/usr >"$tmp/make.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install" "$(cat "$tmp/make.log")"
fi
want="bin/numig bin/numig-emu bin/numig-bench libexec/numig/guests/integrity.elf libexec/numig/guests/hello.elf
libexec/numig/emu/init.sh include/numig_guest.h include/numig/abi.h lib/libnumig-guest.a lib/numig/guest.ld
lib/pkgconfig/numig-guest.pc share/man/man1/numig.1 share/man/man1/numig-emu.1 share/man/man1/numig-bench.1
share/man/man7/numig-guest.7"
missing=$(for f in $want; do [ -f "$tmp/stage/usr/$f" ] || echo "$f"; done)
if [ -z "$missing" ]; then ok "the staged prefix has the programs, guests, SDK and man pages"; else not_ok "staged files missing" "$missing"; fi
if grep -rqF "$root" "$tmp/stage/usr/bin/numig-emu" "$tmp/stage/usr/lib/pkgconfig" 2>/dev/null; then
	not_ok "no installed script or .pc file names the source tree" "$(grep -rlF "$root" "$tmp/stage/usr")"
else
	ok "no installed script or .pc file names the source tree"
fi
cp -a "$tmp/stage/usr" "$tmp/moved"
make -s -C "$root" BUILD="$build" uninstall DESTDIR="$tmp/stage" PREFIX=/usr >"$tmp/un.log" 2>&1
left=$(find "$tmp/stage" -type f)
if [ -z "$left" ]; then ok "make uninstall removes every installed file"; else not_ok "make uninstall left files" "$left"; fi
rm -rf "$tmp/stage"
if MANPATH=$tmp/moved/share/man man -w numig-guest 2>/dev/null | grep -q "$tmp/moved/share/man/man7/numig-guest.7"; then
	ok "man finds numig-guest(7) in the prefix"
else
	not_ok "man -w numig-guest with MANPATH=prefix/share/man"
fi
out=$("$tmp/moved/bin/numig-bench" --help 2>&1) && grep -q -- '--numig PATH' <<<"$out" && ok "installed numig-bench --help" ||
	not_ok "installed numig-bench --help" "$out"

# An installed numig-emu caches its kernel in the user's cache directory
# ($XDG_CACHE_HOME/numig, ~/.cache/numig; /var/cache/numig as root). Each
# case points it at a place it cannot create, so it stops at once naming
# the cache it chose (nothing downloaded, nothing booted).
emu_cache_said() { # expected cache, command...
	local want=$1 out; shift
	out=$(timeout 60 "$@" "$tmp/moved/bin/numig-emu" --quiet exec -- true 2>&1)
	grep -qF "cannot create the cache $want" <<<"$out" || { echo "$out"; return 1; }
}
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v cpio >/dev/null; then
	skip "installed numig-emu's cache directory" "QEMU or cpio is not installed (numig-emu installs them on first use as root)"
elif [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null || ! command -v setpriv >/dev/null; then
	skip "installed numig-emu's cache directory" "needs root, unshare -m and setpriv to try it as root and as another user"
else
	chmod 755 "$tmp" # the other user runs the moved prefix
	u=(setpriv --reuid=65534 --regid=65534 --clear-groups env -u NUMIG_EMU_CACHE)
	why=$(emu_cache_said /proc/xdg/numig "${u[@]}" XDG_CACHE_HOME=/proc/xdg) &&
		why=$(emu_cache_said /proc/home/.cache/numig "${u[@]}" -u XDG_CACHE_HOME HOME=/proc/home) &&
		why=$(emu_cache_said /var/cache/numig unshare -m sh -c 'mount -t tmpfs -o ro none /var/cache && exec env -u NUMIG_EMU_CACHE "$@"' sh) &&
		ok "installed numig-emu caches in \$XDG_CACHE_HOME/numig, ~/.cache/numig, /var/cache/numig as root" ||
		not_ok "installed numig-emu's cache directory" "$why"
fi

# The README's SDK example, built against the prefix with pkg-config.
mkdir -p "$tmp/elsewhere"
awk '/^## Writing your own guest/ {s=1} s && /^```c$/ {c=1; next} c && /^```$/ {exit} c {print}' \
	"$root/README.md" >"$tmp/elsewhere/my_guest.c"
out=$(cd "$tmp/elsewhere" && PKG_CONFIG_PATH=$tmp/moved/lib/pkgconfig \
	sh -c 'cc -O2 -Wall -o my_guest.elf my_guest.c $(pkg-config --cflags --libs numig-guest)' 2>&1)
if [ -f "$tmp/elsewhere/my_guest.elf" ] && [ -z "$out" ]; then ok "an SDK guest builds with pkg-config against the prefix"
else not_ok "SDK guest build" "$out"; fi

make -s -C "$root" BUILD="$build" kselftest-install INSTALL_PATH="$tmp/ksft" >"$tmp/ks.log" 2>&1 &&
	[ -s "$tmp/ksft/kselftest-list.txt" ] && [ -x "$tmp/ksft/numig/numig" ] && grep -q '^timeout=[0-9]' "$tmp/ksft/numig/settings" &&
	ok "make kselftest-install: $(grep -c . "$tmp/ksft/kselftest-list.txt") tests, settings $(cat "$tmp/ksft/numig/settings")" ||
	not_ok "make kselftest-install" "$(cat "$tmp/ks.log")"
bad=$(grep -v '^numig:[a-z0-9_]*$' "$tmp/ksft/kselftest-list.txt"; while IFS=: read -r c t; do [ -x "$tmp/ksft/$c/$t" ] || echo "$c/$t not executable"; done <"$tmp/ksft/kselftest-list.txt")
if [ -z "$bad" ]; then ok "kselftest-list.txt: numig:TEST lines, each an executable"; else not_ok "kselftest-list.txt" "$bad"; fi
cp "$(dirname "$0")/ksft_runner.sh" "$tmp/ksft_runner.sh"

if ! have_kvm; then
	skip "installed numig runs integrity with migration, source tree hidden" "/dev/kvm is absent or not accessible"
	skip "SDK guest runs" "/dev/kvm is absent or not accessible"
	skip "kselftest collection" "/dev/kvm is absent or not accessible"
	done_testing; exit
fi

# ---- the source tree out of reach: an empty tmpfs over it, in a mount
# namespace of this test's own (root; without one, only a warning and the
# runs below still use nothing but the prefix's paths).
hide=()
if unshare -m true 2>/dev/null; then
	hide=(unshare -m sh -c 'mount -t tmpfs -o ro none "$1" && cd "$2" && shift 2 && exec "$@"' hide "$root" "$tmp/elsewhere")
	if "${hide[@]}" sh -c "[ ! -e '$root/Makefile' ] && [ ! -e '$root/$build' ]"; then
		ok "the source tree is hidden for the runs below ($root is an empty tmpfs)"
	else
		not_ok "hiding the source tree"; hide=()
	fi
else
	skip "hide the source tree" "unshare -m is not permitted here (not root?); the runs use the moved prefix from another directory"
fi
in_prefix() { if [ ${#hide[@]} -gt 0 ]; then "${hide[@]}" "$@"; else (cd "$tmp/elsewhere" && "$@"); fi; }

dur=1s
emulated_host && dur=4s
out=$(in_prefix timeout 300 "$tmp/moved/bin/numig" run --guest integrity --vcpus 2 --nodes 2 --duration $dur \
	--migrate rate=500/s,pattern=pingpong 2>&1); rc=$?
m=$(printf '%s\n' "$out" | sed -n 's/^migration: \([0-9]*\) done.*/\1/p')
if [ $rc -eq 0 ] && grep -q '^integrity: PASS' <<<"$out" && [ "${m:-0}" -gt 0 ]; then
	ok "installed numig, source tree hidden: integrity PASS with $m migrations"
else
	not_ok "installed numig run --guest integrity (exit $rc)" "$out"
fi
out=$(in_prefix timeout 300 "$tmp/moved/bin/numig" run --guest "$tmp/elsewhere/my_guest.elf" --vcpus 2 --nodes 2 \
	--duration 500ms --migrate rate=200/s 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'words checked, 0 bad' <<<"$out"; then ok "the SDK guest runs under the installed numig (exit 0)"
else not_ok "SDK guest run (exit $rc)" "$out"; fi

out=$(in_prefix bash "$tmp/ksft_runner.sh" "$tmp/ksft" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E '^(not )?ok [0-9]+ selftests|^# +ok .*# SKIP' | sed 's/^/# /'
total=$(grep -c '^ok [0-9]* selftests\|^not ok [0-9]* selftests' <<<"$out")
# A skipped test says why: its own "# SKIP <reason>" point.
noreason=$(awk '/^# selftests: / { t = $0; why = 0 } /^# +ok .*# SKIP [^ ]/ { why = 1 }
	/^ok [0-9]+ selftests.*# SKIP$/ { if (!why) print t }' <<<"$out")
if [ $rc -eq 0 ] && [ "$total" -eq "$(grep -c . "$tmp/ksft/kselftest-list.txt")" ] && ! grep -q '^not ok' <<<"$out" && [ -z "$noreason" ]; then
	ok "kselftest collection: $total tests, every one ok or SKIP with a reason ($(grep -c '^ok .*# SKIP' <<<"$out") skipped)"
else
	not_ok "kselftest collection (runner exit $rc)" "${noreason:+skipped without a reason: $noreason
}$out"
fi
if emulated_by_turns; then
	skip "the race is caught by race_unguarded" "$BY_TURNS_WHY"
elif grep -q '^ok [0-9]* selftests: numig: race_unguarded$' <<<"$out" && grep -q 'lost writes caught: [1-9]' <<<"$out"; then
	ok "race_unguarded: the race was caught ($(grep -o 'lost writes caught: [0-9]* lost writes' <<<"$out" | head -n 1))"
else
	not_ok "race_unguarded did not pass with lost writes" "$(grep -A6 'selftests: numig: race_unguarded' <<<"$out")"
fi
done_testing
