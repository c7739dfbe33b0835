#!/usr/bin/env bash
# CLI contract: usage errors (exit 2), environment errors (exit 3), help.
# needs-kvm: no (scripts/run-tests.sh runs it with the unit tests, on any host)
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

check "--help prints usage and exit codes" 0 'exit codes: 0 ok, 1 integrity' -- --help
check "--version" 0 '^numig [0-9]+\.[0-9]+' -- --version
check "no command is a usage error" 2 'no command' --
check "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
check "unknown option" 2 "unknown option '--frob'" -- run --frob
check "option without value" 2 "needs a value" -- run --vcpus
check "--vcpus 0" 2 '--vcpus' -- run --vcpus 0
check "--vcpus 65" 2 '--vcpus' -- run --vcpus 65
check "--vcpus abc" 2 '--vcpus' -- run --vcpus abc
check "--mem garbage" 2 '--mem' -- run --mem 12Q
check "--mem not a multiple of 2 MiB" 2 'multiple of 2 MiB' -- run --mem 3M
check "--ws larger than --mem" 2 'larger than --mem' -- run --mem 64M --ws 128M
check "--nodes 0" 2 '--nodes' -- run --nodes 0
check "--timeout negative" 2 '--timeout' -- run --timeout -1
check "--timeout garbage" 2 '--timeout' -- run --timeout 5parsecs
check "--migrate bad pattern" 2 '--migrate' -- run --migrate pattern=sideways
check "--migrate to a missing node" 2 'pattern=to:3' -- run --nodes 2 --migrate pattern=to:3
check "--host-nodes reversed range" 2 '--host-nodes' -- run --host-nodes 3-1
# Errors that point to the fix (issue 11).
check "--migrate 100/s suggests rate=100/s" 2 'did you mean rate=100/s\?' -- run --migrate 100/s
check "--migrate random suggests pattern=random" 2 'did you mean pattern=random\?' -- run --migrate random
check "--mem 256 says bytes and suggests 256M" 2 'without a unit is in bytes \(256 bytes\).*did you mean 256M\?' -- run --mem 256
check "--ws 32 suggests 32M" 2 'did you mean 32M\?' -- run --ws 32
check "--help shows --host-nodes all" 0 'numactl syntax \(0-1,3, all' -- --help
check "--help shows --param" 0 '--param NAME=VALUE' -- --help
check "--migrate-batch 65" 2 '--migrate-batch' -- run --migrate-batch 65
check "--inject unknown" 2 'unknown fault' -- run --inject flip-everything
check "unknown guest name" 2 "unknown guest 'nosuch'" -- run --guest nosuch
check "missing KVM device: exit 3" 3 'cannot open KVM device /nonexistent/kvm' -- run --kvm-device /nonexistent/kvm
# Usage before environment: every usage error below is exit 2 with the KVM
# device missing too, since options and the guest file are judged first.
check "usage error judged before the KVM device is opened" 2 "unknown guest 'nosuch'" -- \
	run --kvm-device /nonexistent/kvm --guest nosuch

# Malformed guest files: a clear error (exit 2), never a crash.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'not an elf at all' >"$tmp/text.elf"
cp "$build/guests/hello.elf" "$tmp/it's a guest.elf"
# Without KVM the message ends with the same run in the emulated host, one
# line that bash reads back as numig-emu and the very same arguments.
check "missing KVM device: the emulated host's line to paste" 3 'in an emulated host with KVM' -- \
	run --kvm-device /nonexistent/kvm --guest "$tmp/it's a guest.elf" --duration 1s
paste=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^  //p' | tail -n 1)
want=("$(cd "$build" && pwd -P)/numig-emu" run --kvm-device /nonexistent/kvm --guest "$tmp/it's a guest.elf" --duration 1s)
eval "got=($paste)" 2>/dev/null || got=()
if [ -n "$paste" ] && [ "${got[*]}" = "${want[*]}" ] && [ ${#got[@]} -eq ${#want[@]} ]; then
	ok "the pasted line reads back as numig-emu with the same ${#want[@]} words: $paste"
else
	not_ok "the pasted line reads back as numig-emu with the same words" "line: $paste
want: ${want[*]}"
fi
# A run without the guard shows the race, which needs parallel emulated CPUs.
check "missing KVM device, --no-guard: the line to paste asks for parallel TCG" 3 'numig-emu --tcg multi run --kvm-device /nonexistent/kvm --guest hello --no-guard' -- \
	run --kvm-device /nonexistent/kvm --guest hello --no-guard
check "guest that is not ELF" 2 'not an ELF file' -- run --guest "$tmp/text.elf"
head -c 40 "$build/guests/hello.elf" >"$tmp/trunc.elf"
check "truncated ELF" 2 'not an ELF file|out of bounds|no section' -- run --guest "$tmp/trunc.elf"
cp "$build/guests/hello.elf" "$tmp/arm.elf"
printf '\xb7\x00' | dd of="$tmp/arm.elf" bs=1 seek=18 conv=notrunc status=none
check "wrong machine type" 2 'wrong machine type 183' -- run --guest "$tmp/arm.elf"
head -c 72000000 /dev/zero >"$tmp/huge.elf"
check "oversized guest file" 2 'more than the 64 MiB limit' -- run --guest "$tmp/huge.elf"
if command -v objcopy >/dev/null; then
	objcopy --remove-section .numig_rt "$build/guests/hello.elf" "$tmp/nort.elf"
	check "ELF without the numig runtime" 2 'no .numig_rt section' -- run --guest "$tmp/nort.elf"
	objcopy --change-section-lma .text+0x10000000 --change-section-vma .text+0x10000000 \
		"$build/guests/hello.elf" "$tmp/far.elf" 2>/dev/null
	check "segment outside guest memory" 2 'outside the guest image window' -- run --guest "$tmp/far.elf"
else
	skip "ELF without the numig runtime" "objcopy not installed"
	skip "segment outside guest memory" "objcopy not installed"
fi
check "guest path that does not exist" 2 'cannot open guest' -- run --guest /nonexistent/guest.elf
check "a bad guest file is judged before the KVM device is opened" 2 'not an ELF file' -- \
	run --kvm-device /nonexistent/kvm --guest "$tmp/text.elf"
check "--plot into a missing folder is judged before the KVM device" 2 '--plot' -- \
	run --kvm-device /nonexistent/kvm --plot /nonexistent/dir/p.svg
check "--host-nodes naming a missing host node is judged before the KVM device" 2 'host node' -- \
	run --kvm-device /nonexistent/kvm --host-nodes 63
check "--pin naming no usable CPU is judged before the KVM device" 2 '--pin' -- \
	run --kvm-device /nonexistent/kvm --pin 4000
# The kernel as migrator (--migrator, issue 22): options of numig's own
# engine are refused with it, before the KVM device is opened.
K="run --kvm-device /nonexistent/kvm --guest integrity --nodes 2"
check "--migrator unknown" 2 "unknown migrator 'sideways'" -- $K --migrator sideways
check "--migrator move-pages needs --migrate's rate" 2 'give --migrate rate=N/s' -- $K --migrator move-pages
check "--migrator watch refuses --migrate" 2 'numig moves nothing \(drop --migrate\)' -- $K --migrator watch --migrate rate=10/s
check "--migrator numa-balancing refuses --migrate" 2 'the kernel decides what moves' -- $K --migrator numa-balancing --migrate rate=10/s
check "--migrator move-pages refuses --strategy precopy" 2 '--strategy is an option of numig.s own migrator' -- \
	$K --migrator move-pages --migrate rate=10/s --strategy precopy
check "--migrator move-pages refuses --inject" 2 '--inject is an option' -- $K --migrator move-pages --migrate rate=10/s --inject corrupt-copy
check "--migrator move-pages refuses --no-guard" 2 '--no-guard is an option' -- $K --migrator move-pages --migrate rate=10/s --no-guard
check "--migrator move-pages refuses --scan-period" 2 '--scan-period is an option' -- $K --migrator move-pages --migrate rate=10/s --scan-period 20ms
check "--migrator watch refuses --migrations" 2 'with --migrator watch it makes none' -- $K --migrator watch --migrations 10
host_nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
if [ "$host_nodes" -le 1 ]; then
	check "--migrator move-pages on a one-node host: exit 3 and the emulated host's line to paste" 3 \
		'numig-emu run --kvm-device /nonexistent/kvm --guest integrity --nodes 2 --migrator move-pages --migrate rate=10/s$' -- \
		$K --migrator move-pages --migrate rate=10/s
	check "--migrator numa-balancing on a one-node host: exit 3" 3 'between host NUMA nodes, and this host has 1' -- \
		$K --migrator numa-balancing
else
	check "--migrator move-pages with every guest node on one host node is a usage error" 2 'all start on one host node' -- \
		$K --migrator move-pages --migrate rate=10/s --host-nodes 0
fi
done_testing
