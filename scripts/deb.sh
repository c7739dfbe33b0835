#!/usr/bin/env bash
# `make deb`: the Debian packages (debian/), built with dpkg-buildpackage -us
# -uc -b in a copy of the source tree under BUILD/deb (dpkg-buildpackage
# writes its .deb files beside the tree it builds), then checked by lintian:
# any error (E:) fails.
#   scripts/deb.sh BUILD_DIR VERSION
set -uo pipefail
build=$1 version=$2
cd "$(dirname "$0")/.."
command -v dpkg-buildpackage >/dev/null || { echo "make deb: dpkg-buildpackage is missing (apt-get install dpkg-dev debhelper)" >&2; exit 3; }
out=$build/deb
src=$out/numig-$version
rm -rf "$out" && mkdir -p "$src" || exit 1
# The tracked tree, with what is not committed yet, without builds or git.
tar --exclude=./build --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf - || exit 1
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	echo "make deb: dpkg-buildpackage failed; the end of $out/build.log:" >&2
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
ls "$out"/*.deb
if command -v lintian >/dev/null; then
	lintian --no-tag-display-limit "$out"/*.changes >"$out/lintian.log" 2>&1
	echo "lintian: $(grep -c '^E:' "$out/lintian.log") errors, $(grep -c '^W:' "$out/lintian.log") warnings ($out/lintian.log)"
	if grep -q '^E:' "$out/lintian.log"; then grep '^E:' "$out/lintian.log" >&2; exit 1; fi
else
	echo "lintian: not installed, not run"
fi
