#!/usr/bin/env bash
# Installs what numig needs to build and test, where it can (apt-get as
# root); otherwise prints the exact command and fails.
set -euo pipefail

need=()
[ -f /usr/include/numa.h ] || need+=(libnuma-dev)
[ -f /usr/include/libxml2/libxml/parser.h ] || need+=(libxml2-dev)
[ -f /usr/include/libvirt/libvirt-domain.h ] || need+=(libvirt-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
# A static build (make check builds one; make check-numa runs it) links the
# static libxml2 and what it pulls in: zlib, lzma and ICU, which is C++.
[ -f /usr/lib/x86_64-linux-gnu/libz.a ] || need+=(zlib1g-dev)
[ -f /usr/lib/x86_64-linux-gnu/liblzma.a ] || need+=(liblzma-dev)
[ -f "$(gcc -print-file-name=libstdc++.a 2>/dev/null)" ] || need+=(g++)
# rsvg-convert renders --plot for tests/integration/test_plot.sh (what a reader sees).
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
command -v gcc >/dev/null || need+=(gcc)
# SPIN checks the formal model of the guard protocol (make check-model).
command -v spin >/dev/null || need+=(spin)
# migratepages(8) moves a live numig between nodes (tests/numa/kernel.sh).
command -v migratepages >/dev/null || need+=(numactl)
command -v make >/dev/null || need+=(make)
# USDT probes (mmu/probes.h): systemtap's <sys/sdt.h>, a header only.
[ -f /usr/include/x86_64-linux-gnu/sys/sdt.h ] || [ -f /usr/include/sys/sdt.h ] || need+=(systemtap-sdt-dev)
# make deb (make check runs it): dpkg-buildpackage, debhelper's dh, lintian.
command -v dpkg-buildpackage >/dev/null || need+=(dpkg-dev)
command -v dh >/dev/null || need+=(debhelper)
command -v lintian >/dev/null || need+=(lintian)
# scdoc turns docs/man/*.scd into the man pages (make man, make install).
command -v scdoc >/dev/null || need+=(scdoc)
command -v ld >/dev/null || need+=(binutils)
# clang builds numig too; CI checks it (optional for a user).
if [ "${NUMIG_WANT_CLANG:-0}" = 1 ] && ! command -v clang >/dev/null; then need+=(clang); fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${need[@]}" >/dev/null
	exit 0
fi
echo "deps: missing ${need[*]}; install them with:" >&2
echo "  sudo apt-get install -y ${need[*]}" >&2
exit 1
