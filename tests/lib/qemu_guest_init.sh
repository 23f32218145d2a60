#!/bin/busybox sh
# /init of the test guest: load virtio-rng, read egdtest.bytes=N bytes from
# /dev/hwrng, print them as hex between marker lines on the console, power off.
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
for arg in $(cat /proc/cmdline); do
    case "$arg" in egdtest.bytes=*) n="${arg#egdtest.bytes=}" ;; esac
done

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
