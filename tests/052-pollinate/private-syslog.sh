#!/bin/sh
# private-syslog.sh WORKDIR COMMAND...: runs COMMAND in a private mount namespace
# (call it under `unshare --mount --propagation private`) where /dev is a copy of the
# few device nodes a shell script needs plus a syslog socket /dev/log whose messages
# go to WORKDIR/syslog, and /var/cache/pollinate is an empty tmpfs. pollinate logs
# through logger(1), which fails when it cannot reach /dev/log on a terminal; this
# lets the test read the log without a system syslog and without touching the host.
set -eu
work=$1
shift
dev=$work/dev
mkdir -p "$dev"
mount -t tmpfs -o mode=755 tmpfs "$dev"
for node in null zero random urandom tty; do
  touch "$dev/$node"
  mount --bind "/dev/$node" "$dev/$node"
done
mkdir "$dev/pts"
mount --bind /dev/pts "$dev/pts"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
mount --move "$dev" /dev
mount -t tmpfs tmpfs /var/cache/pollinate
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", buffering=0) as log:
    while True:
        log.write(s.recv(65536).rstrip(b"\n") + b"\n")
' "$work/syslog" &
listener=$!
while [ ! -S /dev/log ]; do sleep 0.01; done
trap 'kill $listener 2>/dev/null || true' EXIT
rc=0
"$@" || rc=$?
sleep 0.2  # the listener writes the last messages
exit $rc
