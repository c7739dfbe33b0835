#!/bin/busybox sh
# PID 1 of the emulated host (scripts/emu/numig-emu packs it into the
# initramfs as /init). It loads KVM and the 9p modules, mounts the host's own
# root filesystem read-only over virtio-9p under a tmpfs overlay, runs the one
# command in it, reports its exit code and powers off.
#
# Serial lines (numig-emu reads each one apart):
#   ttyS0  the kernel's console: its messages, lockups and panics (a log file)
#   ttyS1  the command's stdout       ttyS2  the command's stderr
#   ttyS3  control: "START", "HB <uptime>" every few seconds, "EXIT <rc>"
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/ttyS0 2>&1
E=/numig-emu # this run's settings, from numig-emu
D=/dev       # where the serial lines are: under the new root once /dev moves there
ctl() { echo "$*" >$D/ttyS3; }
fail() {
	echo "numig-emu guest: $*"
	ctl "FAIL $*"
	poweroff -f
	sleep 5
	reboot -f
}
# Errors and warnings with their stacks reach the console (a lockup's
# backtrace is printed at the default level, 4); routine messages do not.
dmesg -n "$(cat $E/printk)"
for p in 1 2 3; do stty -F /dev/ttyS$p raw -echo 2>/dev/null; done

for m in $(cat /lib/modules/load-order); do
	insmod /lib/modules/$m.ko $(grep "^$m " $E/modparams 2>/dev/null | cut -d' ' -f2-) 2>/tmp/insmod.err ||
		echo "numig-emu guest: insmod $m: $(cat /tmp/insmod.err)"
done
[ -c /dev/kvm ] || echo "numig-emu guest: no /dev/kvm after loading the KVM modules"
# One VM held for the whole boot: KVM's static keys then never flip while
# numig creates and destroys its VMs (scripts/emu/kvm-hold.c says why).
[ -f $E/kvm_hold ] && [ -c /dev/kvm ] && { /bin/kvm-hold & }

mkdir -p /lower /rw /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /lower ||
	fail "9p mount of the host's root filesystem failed"
mount -t tmpfs -o mode=0755 rw /rw || fail "tmpfs for the overlay failed"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work,index=off,xino=off,redirect_dir=off,metacopy=off \
	overlay /newroot || fail "overlay mount failed"
N=/newroot
mount --move /proc $N/proc
mount --move /sys $N/sys
mount --move /dev $N/dev
D=$N/dev
mkdir -p $N/dev/pts $N/dev/shm $N/run $N/tmp
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $N/dev/pts
mount -t tmpfs -o mode=1777 shm $N/dev/shm
mount -t tmpfs -o mode=0755 run $N/run
mount -t cgroup2 cgroup2 $N/sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs $N/sys/kernel/debug 2>/dev/null
mount -t hugetlbfs hugetlbfs $N/dev/hugepages 2>/dev/null
# The host's own modules directory is for the host's kernel: show this one's.
KM=$(cat $E/kmoddir)
[ -d "$N$KM" ] && mkdir -p "$N/lib/modules/$(uname -r)" && mount --bind "$N$KM" "$N/lib/modules/$(uname -r)"
# Every CPU's stack on a soft lockup: the report then says what each was doing.
echo 1 >$N/proc/sys/kernel/softlockup_all_cpu_backtrace 2>/dev/null
hostname numig-emu
# The kernel's text symbols, once per kernel (numig-emu asks when its cache
# lacks them): where a frozen CPU stands is named from them.
if [ -f $E/want_kallsyms ] && mkdir -p /share && mount -t 9p -o trans=virtio,version=9p2000.L emushare /share; then
	grep -E ' [tT] ' $N/proc/kallsyms >/share/kallsyms.tmp && mv /share/kallsyms.tmp /share/kallsyms
	umount /share
fi
mkdir -p $N/run/numig-emu && cp $E/cmd.sh $N/run/numig-emu/cmd.sh

# A stdout or stderr that is no terminal on the host is none here either: a
# pipe between the command and the serial line (numig shows its progress
# line only on a terminal).
o=$D/ttyS1 e=$D/ttyS2 cats=""
if [ "$(cat $E/out_tty)" != 1 ]; then mkfifo /out.fifo; cat /out.fifo >$D/ttyS1 & cats="$cats $!"; o=/out.fifo; fi
if [ "$(cat $E/err_tty)" != 1 ]; then mkfifo /err.fifo; cat /err.fifo >$D/ttyS2 & cats="$cats $!"; e=/err.fifo; fi

# Heartbeat: numig-emu calls the host frozen when it stops.
(while :; do ctl "HB $(cut -d' ' -f1 $N/proc/uptime)"; sleep 5; done) &
hb=$!
echo $hb >$N/run/numig-emu/heartbeat.pid # a test stops it to see numig-emu notice
ctl START
chroot $N /usr/bin/env -i /bin/bash --noprofile --norc /run/numig-emu/cmd.sh <$N/dev/null >$o 2>$e
rc=$?
# The pipes drain once every writer is gone; a daemon the command left
# behind must not keep the guest up.
(sleep 5; kill $cats 2>/dev/null) &
for c in $cats; do wait $c; done
kill $hb 2>/dev/null
sync
ctl "EXIT $rc"
poweroff -f
sleep 5
reboot -f
