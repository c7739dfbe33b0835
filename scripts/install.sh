#!/usr/bin/env bash
# `make install`: numig into a prefix (README "Installing"). The installed
# programs find their pieces from their own place (bin/../libexec/numig), so
# the prefix may be staged (DESTDIR) and moved.
#   scripts/install.sh DEST_PREFIX BUILD_DIR VERSION [MAN_PAGE...]
set -euo pipefail
dest=$1 build=$2 version=$3
shift 3
cd "$(dirname "$0")/.."
install -d "$dest/bin" "$dest/libexec/numig/guests" "$dest/libexec/numig/emu"
install -m 755 "$build/numig" "$build/numig-bench" "$dest/bin/"
# The source script, not build/numig-emu: that one names this source tree.
install -m 755 scripts/emu/numig-emu "$dest/bin/numig-emu"
install -m 644 scripts/emu/init.sh scripts/emu/kvm-hold.c "$dest/libexec/numig/emu/"
for g in ${GUESTS:?GUESTS, the built-in guests, from make}; do
	install -m 644 "$build/guests/$g.elf" "$dest/libexec/numig/guests/$g.elf"
done
# The guest SDK: one packer for make sdk and make install.
scripts/sdk.sh "$dest" "$build/libnumig-guest.a" "$version"
for m in "$@"; do
	sec=${m##*.}
	install -d "$dest/share/man/man$sec"
	install -m 644 "$m" "$dest/share/man/man$sec/$(basename "$m")"
done
