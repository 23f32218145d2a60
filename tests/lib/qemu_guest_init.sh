#!/bin/busybox sh
# /init of the test guest: load virtio-rng, read egdtest.bytes=N bytes from
# /dev/hwrng, print them as hex between marker lines on the console, power off
# (tests 030, 061); with egdtest.boot= on the command line, bench/run-boot's
# boot measurement instead (below).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
exec </dev/console >/dev/console 2>&1

for m in $(cat /lib/modules/load.order); do
    insmod "/lib/modules/$m" || echo "EGDTEST-ERROR insmod $m failed"
done

n=256
boot=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        egdtest.bytes=*) n="${arg#egdtest.bytes=}" ;;
        egdtest.boot=*) boot="${arg#egdtest.boot=}" ;;
    esac
done

# bench/run-boot (egdtest.boot=block|idle): no hwrng read; the CPU's flags, then
# either block in a read of /dev/random until the CRNG is ready, as a boot's first
# getrandom() does (block), or ask nothing and watch the kernel log for up to
# egdtest.idle_seconds (idle). Uptimes around it on marker lines; power off.
if [ -n "$boot" ]; then
    echo "EGDTEST-CPU-FLAGS $(grep -m1 '^flags' /proc/cpuinfo)"
    echo "EGDTEST-UPTIME-BEFORE $(cut -d' ' -f1 /proc/uptime)"
    if [ "$boot" = block ]; then
        dd if=/dev/random of=/dev/null bs=1 count=1 2>/dev/null
    else
        limit=60
        for arg in $(cat /proc/cmdline); do
            case "$arg" in egdtest.idle_seconds=*) limit="${arg#egdtest.idle_seconds=}" ;; esac
        done
        i=0
        while ! dmesg | grep -q 'crng init done' && [ $i -lt $((limit * 2)) ]; do
            sleep 0.5
            i=$((i + 1))
        done
    fi
    echo "EGDTEST-UPTIME-AFTER $(cut -d' ' -f1 /proc/uptime)"
    echo "EGDTEST-RNG-CURRENT $(cat /sys/class/misc/hw_random/rng_current 2>&1)"
    echo "EGDTEST-RNG-QUALITY $(cat /sys/class/misc/hw_random/rng_quality 2>/dev/null || echo -)"
    poweroff -f
fi

i=0
while [ ! -c /dev/hwrng ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sysdir=/sys/class/misc/hw_random
echo "EGDTEST-RNG-AVAILABLE $(cat $sysdir/rng_available 2>&1)"
echo "EGDTEST-RNG-CURRENT $(cat $sysdir/rng_current 2>&1)"

dd if=/dev/hwrng of=/rng.bin bs="$n" count=1 iflag=fullblock 2>/dev/null
echo "EGDTEST-HWRNG-BEGIN $(wc -c </rng.bin)"
od -An -v -tx1 /rng.bin
echo "EGDTEST-HWRNG-END"
poweroff -f
