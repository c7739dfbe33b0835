#!/usr/bin/env bash
# `make sdk [PREFIX=DIR]`: the guest SDK, a folder that builds a numig guest
# anywhere (README "Writing your own guest"):
#   include/numig_guest.h, include/numig/abi.h   the runtime's and the ABI's headers
#   lib/libnumig-guest.a                          the runtime
#   lib/numig/guest.ld                            the linker script
#   lib/pkgconfig/numig-guest.pc                  pkg-config --cflags --libs numig-guest
# The .pc file finds the folder from its own place (${pcfiledir}), so the
# folder may be moved or copied anywhere.
#   scripts/sdk.sh PREFIX RUNTIME_LIB VERSION
set -euo pipefail
prefix=$1 lib=$2 version=$3
cd "$(dirname "$0")/.."
install -d "$prefix/include/numig" "$prefix/lib/numig" "$prefix/lib/pkgconfig"
install -m 644 include/numig/abi.h "$prefix/include/numig/abi.h"
install -m 644 guest/rt/numig_guest.h "$prefix/include/numig_guest.h"
install -m 644 "$lib" "$prefix/lib/libnumig-guest.a"
install -m 644 guest/rt/guest.ld "$prefix/lib/numig/guest.ld"
tmp=$(mktemp "$prefix/lib/pkgconfig/.numig-guest.XXXXXX")
cat >"$tmp" <<PC
# numig guest SDK: cc -O2 -o my_guest.elf my_guest.c \$(pkg-config --cflags --libs numig-guest)
# (the source before the libraries: the runtime is a static archive).
prefix=\${pcfiledir}/../..
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: numig-guest
Description: runtime for numig test guests (freestanding x86-64, ring 3, linked at 8 MiB)
Version: $version
Cflags: -ffreestanding -fno-pic -fno-pie -mno-red-zone -fno-stack-protector -fstack-clash-protection -fno-asynchronous-unwind-tables -fno-builtin -I\${includedir}
Libs: -nostdlib -static -Wl,-T,\${libdir}/numig/guest.ld \${libdir}/libnumig-guest.a
PC
chmod 644 "$tmp"
mv "$tmp" "$prefix/lib/pkgconfig/numig-guest.pc"
