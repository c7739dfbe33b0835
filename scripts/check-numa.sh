#!/usr/bin/env bash
# `make check-numa`: numig's own tests inside a QEMU guest with two real NUMA
# nodes and KVM with nested paging (NPT).
#
# Every other test runs on whatever the machine is: in CI, one NUMA node and a
# software KVM with shadow paging. Here QEMU in software emulation (TCG) boots
# Debian's cloud kernel with two NUMA nodes and `-cpu max`, whose SVM lets KVM
# load with nested paging. The guest (tests/numa/init.sh) runs the suite and
# prints TAP on its serial line; this script prints those lines and one closing
# line, "N passed, N failed, N skipped", like scripts/run-tests.sh.
#
# Steps: packages (apt-get, root) -> the kernel package, unpacked into
# build/numa/kernel (cached; nothing goes to /boot) -> a static build of numig
# and its test programs in build/numa/static -> an initramfs -> boot, bounded
# by a timeout -> TAP.
#
# When the guest cannot be built or booted (a package missing, no kernel, no
# boot), the target prints "# SKIP reason" and fails: CI must not pass without
# this proof. NUMIG_NUMA_OPTIONAL=1 makes that a plain skip (exit 0) locally.
#
# Knobs: NUMIG_NUMA_PRECOPY=1 (also run precopy and auto: not yet reliable
# under nested KVM, see tests/numa/init.sh), NUMIG_NUMA_TIMEOUT (s, the whole QEMU run, default 420),
# NUMIG_NUMA_RACE_RUNS (unguarded race runs inside, default 10).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

out=build/numa
static=$out/static
optional=${NUMIG_NUMA_OPTIONAL:-0}
qemu_timeout=${NUMIG_NUMA_TIMEOUT:-420}
race_runs=${NUMIG_NUMA_RACE_RUNS:-10}
jobs=$(nproc 2>/dev/null || echo 2)
t_start=$(date +%s)
P=0 F=0 S=0
mkdir -p "$out"

ok() { P=$((P + 1)); echo "ok - $1"; }
skip() { S=$((S + 1)); echo "ok - $1 # SKIP $2"; }
not_ok() { F=$((F + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | tail -n 40; }
finish() {
	echo "# check-numa: wall time $(($(date +%s) - t_start)) s${timing:+ ($timing)}"
	echo "$P passed, $F failed, $S skipped"
	[ "$F" -eq 0 ]
	exit
}
# The guest cannot run here: say why; fail unless skipping is allowed.
skip_all() {
	S=$((S + 1))
	echo "ok - check-numa: numig's tests on two NUMA nodes with nested paging # SKIP $1"
	if [ "$optional" != 1 ]; then
		not_ok "check-numa was skipped: outside NUMIG_NUMA_OPTIONAL=1 a skip fails, so that CI cannot pass without this proof"
	fi
	finish
}

# ---- packages ----------------------------------------------------------------
# busybox-static, not busybox: the initramfs has no shared libraries.
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
pkg_installed busybox-static || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v gzip >/dev/null || need+=(gzip)
# A static link needs the .a of every library numig links, and of theirs:
# libxml2's come from pkg-config --static (-licuuc -lz -llzma ...), and ICU
# is C++ (the Makefile adds -lstdc++).
have_static() { [ -n "$(find /usr/lib /usr/lib64 /usr/local/lib -name "lib$1.a" 2>/dev/null | head -n 1)" ]; }
static_libs="numa stdc++ $(pkg-config --static --libs-only-l libxml-2.0 2>/dev/null | sed 's/-l//g')"
for lib in $static_libs; do
	have_static "$lib" && continue
	case $lib in
	numa) need+=(libnuma-dev) ;;
	xml2) need+=(libxml2-dev) ;;
	icu*) need+=(libicu-dev) ;;
	z) need+=(zlib1g-dev) ;;
	lzma) need+=(liblzma-dev) ;;
	stdc++) need+=(g++) ;;
	m | pthread | dl | rt) ;; # libc6-dev, with gcc
	*) skip_all "no static lib$lib.a for the static build of numig (which -dev package has it?)" ;;
	esac
done
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
read -r -a need <<<"$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')"
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		skip_all "missing ${need[*]}: install them with: sudo apt-get install -y --no-install-recommends ${need[*]}"
	fi
	echo "# check-numa: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${need[@]}" >"$out/apt.log" 2>&1 ||
		{ apt-get update -qq >>"$out/apt.log" 2>&1 && apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$out/apt.log" 2>&1; } ||
		skip_all "apt-get install ${need[*]} failed: $(tail -n 1 "$out/apt.log")"
fi
busybox=$(dpkg-query -L busybox-static 2>/dev/null | grep -m1 -E '/s?bin/busybox$')
[ -x "$busybox" ] || skip_all "busybox-static is installed but its /bin/busybox is not there"

# ---- the kernel: Debian's cloud kernel, unpacked, never installed -------------
# The metapackage names the current image; its unpacked tree is kept per
# version, so reruns (and offline reruns) skip the download.
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -qq >/dev/null 2>&1
	kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
fi
if [ -z "$kpkg" ]; then # offline: the newest kernel already unpacked here
	kpkg=$(ls -d "$out"/kernel/linux-image-*/ 2>/dev/null | sort -V | tail -n 1 | xargs -r basename)
	[ -n "$kpkg" ] || skip_all "apt-cache does not know linux-image-cloud-amd64 (run apt-get update) and no kernel is cached in $out/kernel"
fi
kroot=$out/kernel/$kpkg
if [ ! -d "$kroot/lib/modules" ]; then
	echo "# check-numa: downloading and unpacking $kpkg into $kroot"
	rm -rf "$kroot" "$kroot.tmp" "$out/kernel/dl"
	mkdir -p "$out/kernel/dl"
	# Sandbox user root: _apt may not write into a build folder.
	(cd "$out/kernel/dl" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" >../download.log 2>&1) ||
		skip_all "apt-get download $kpkg failed: $(tail -n 1 "$out/kernel/download.log")"
	if ! dpkg-deb -x "$out"/kernel/dl/"$kpkg"_*.deb "$kroot.tmp" || ! mv "$kroot.tmp" "$kroot"; then
		skip_all "dpkg-deb -x of $kpkg failed"
	fi
	rm -rf "$out/kernel/dl"
fi
vmlinuz=$(ls "$kroot"/boot/vmlinuz-* 2>/dev/null | head -n 1)
moddir=$(ls -d "$kroot"/lib/modules/*/ 2>/dev/null | head -n 1)
{ [ -f "$vmlinuz" ] && [ -d "$moddir" ]; } || skip_all "$kpkg has no vmlinuz or no lib/modules"
t_deps=$(date +%s)

# ---- numig for the guest: static, in its own build folder ----------------------
# Its own BUILD: a static build must not replace the objects of `make`.
targets=(numig numig-bench kvmtests/test_shootdown numatests/test_placement guests/hello.elf
	guests/idle.elf guests/integrity.elf guests/shootdown.elf)
if make -s -j"$jobs" BUILD="$static" LDFLAGS=-static "${targets[@]/#/$static/}" >"$out/build.log" 2>&1; then
	ok "static build of numig, numig-bench, test_shootdown, test_placement and the guests ($static)"
else
	not_ok "static build of numig and its test programs for the guest" "$(grep -v getaddrinfo "$out/build.log")"
	finish
fi
t_build=$(date +%s)

# ---- initramfs ---------------------------------------------------------------------
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules} "$root"/numig/{guests,kvmtests,numatests}
cp "$busybox" "$root/bin/busybox"
cp tests/numa/init.sh "$root/init"
chmod +x "$root/init"
cp tests/integration/lib.sh "$root/numig/"
mkdir -p "$root/numig/data" && cp tests/data/two-cells.xml "$root/numig/data/"
for t in "${targets[@]}"; do cp "$static/$t" "$root/numig/$t"; done
strip "$root"/numig/numig "$root"/numig/numig-bench "$root"/numig/*tests/* 2>/dev/null

# KVM modules and what they need, in load order: the dependencies come from
# each module's own .modinfo "depends=", since the package has no modules.dep
# and the guest has no depmod. AMD only: TCG's -cpu max emulates SVM, not VMX.
find_mod() { find "$moddir" -name "$1.ko*" -o -name "${1//_/-}.ko*" -o -name "${1//-/_}.ko*" | head -n 1; }
order=()
add_mod() {
	local name=$1 file dep
	for m in "${order[@]}"; do [ "$m" = "$name" ] && return 0; done
	file=$(find_mod "$name")
	[ -n "$file" ] || return 1
	case $file in
	*.xz) xz -dc "$file" >"$root/lib/modules/$name.ko" ;;
	*.zst) zstd -qdc "$file" >"$root/lib/modules/$name.ko" ;;
	*) cp "$file" "$root/lib/modules/$name.ko" ;;
	esac
	for dep in $(tr '\0' '\n' <"$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_mod "$dep" || return 1
	done
	order+=("$name")
}
add_mod kvm-amd || skip_all "$kpkg lacks kvm-amd or one of its dependencies"
printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.gz" || skip_all "cpio of the initramfs failed"
t_pack=$(date +%s)

# ---- boot ------------------------------------------------------------------------------
# Node 0 = CPU 0, node 1 = CPU 1, 1 GiB each. The serial line is the only
# output; kernel messages are kept off it (quiet, and printk 1 in the guest).
serial=$out/serial.log
boot() {
	echo "# check-numa: booting $(basename "$vmlinuz") under QEMU TCG: 2 vCPUs, 2 NUMA nodes, KVM with NPT inside (at most $qemu_timeout s; log: $serial)"
	timeout -k 10 "$qemu_timeout" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2G \
		-object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
		-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 \
		-kernel "$vmlinuz" -initrd "$out/initramfs.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 numig.race_runs=$race_runs numig.precopy=${NUMIG_NUMA_PRECOPY:-0}" \
		-display none -monitor none -serial stdio -nic none -no-reboot </dev/null 2>&1 |
		tee "$serial" |
		awk -v counts="$out/counts" '
			{ sub(/\r$/, "") }
			/^numig-numa: suite begin/ { begun = 1; next }
			/^numig-numa: suite end/ { ended = 1; next }
			!begun || ended { next }
			/^not ok / { f++ } /^ok .*# SKIP / { s++; print; fflush(); next } /^ok / { p++ }
			{ print; fflush() }
			END { printf "%d %d %d %d %d\n", begun, ended, p, f, s > counts }'
	qemu_rc=${PIPESTATUS[0]}
	read -r begun ended p f s <"$out/counts"
}
# The nested guest kernel under TCG has, rarely, panicked or frozen inside
# KVM ("corrupted stack end detected inside scheduler" in a vCPU thread's
# KVM_RUN, twice a freeze under heavy host load). Such a run is booted once
# more; the first is reported as a skip with its reason and log, never hidden.
boot
first_boot=""
if [ "$begun" = 1 ] && [ "$ended" != 1 ]; then
	why=$(tr -d '\r' <"$serial" | grep -m1 -o -E 'Kernel panic - not syncing: .*|BUG: .*|watchdog: .*' || true)
	[ -n "$why" ] || why=$([ "$qemu_rc" = 124 ] && echo "no progress until the $qemu_timeout s limit" || echo "qemu exit $qemu_rc")
	mv "$serial" "$out/serial.1.log"
	first_boot="the first boot did not finish the suite ($why; its lines above are not counted; log: $out/serial.1.log)"
	echo "# check-numa: $first_boot: booting once more"
	boot
fi
t_boot=$(date +%s)
timing="packages+kernel $((t_deps - t_start)) s, build $((t_build - t_deps)) s, initramfs $((t_pack - t_build)) s, QEMU $((t_boot - t_pack)) s"
if [ "$begun" != 1 ]; then
	skip_all "the QEMU guest did not boot to its suite (qemu exit $qemu_rc; see $serial): $(tr -d '\r' <"$serial" | grep -v '^$' | tail -n 3 | tr '\n' ' ')"
fi
[ -n "$first_boot" ] && skip "the suite ran to its end on the first boot" "$first_boot"
P=$((P + p)) F=$((F + f)) S=$((S + s))
ok "the QEMU guest booted with 2 NUMA nodes and ran the suite"
if [ "$ended" = 1 ]; then
	ok "the suite ran to its end inside the guest"
else
	not_ok "the suite ran to its end inside the guest (qemu exit $qemu_rc; $([ "$qemu_rc" = 124 ] && echo "timed out after $qemu_timeout s" || echo "it stopped"); see $serial)" \
		"$(tr -d '\r' <"$serial" | grep -v -E '^ok [0-9]' | tail -n 25)"
fi
finish
