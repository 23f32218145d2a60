# Shared by bench/run-egd and bench/run-idle. Sourced, not run.
# Expects $BUILD and $tmp to be set by the caller.
# shellcheck disable=SC2034,SC2154 # variables used by, and set by, the callers

bench=$BUILD/bench/egd-bench
egdd=$BUILD/egdd/egdd
egdctl=$BUILD/egdd/egdctl

# need_binaries NAME: exits 2 unless egd-bench, egdd and egdctl are built.
need_binaries() {
  for bin in "$bench" "$egdd" "$egdctl"; do
    [[ -x $bin ]] || { echo "$1: $bin missing; build first (ninja -C $BUILD)" >&2; exit 2; }
  done
}

# raise_fd_limit: soft descriptor limit up to the hard one (inherited by egdd,
# the responder and egd-bench); prints the result.
raise_fd_limit() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ulimit -n
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_listen PORT: until something accepts on 127.0.0.1:PORT (10 s at most).
wait_listen() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on port $1" >&2
  return 1
}

# CPU time (user + system, all threads) of process $1, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
tick_us=$((1000000 / $(getconf CLK_TCK)))

# write_egdd_config FILE PORT SOURCE_TOML POOL_BYTES: an egdd configuration for
# benchmarks: loopback port, control socket in $tmp, up to 20,000 clients, all
# from 127.0.0.1 (so max_clients_per_address allows them all); everything else
# (health tests included) at its default.
write_egdd_config() {
  cat >"$1" <<EOF
$3

[egd]
listen = ["127.0.0.1:$2"]
max_clients = 20000
max_clients_per_address = 20000

[control]
socket = "$tmp/control.sock"

[pool]
size_bytes = $4
EOF
}

# The `os` source: getrandom() in 64 KiB reads, far faster than any client here.
os_source='[source]
kind = "os"
read_size = 65536'

pool_bytes() {
  "$egdctl" --socket "$tmp/control.sock" status 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["pool_bytes"])' 2>/dev/null || echo 0
}

# wait_pool BYTES: until egdd's pool holds at least BYTES (20 s at most).
wait_pool() {
  for _ in $(seq 400); do
    (($(pool_bytes) >= $1)) && return 0
    sleep 0.05
  done
  echo "bench: egdd's pool did not fill" >&2
  return 1
}

# median: median of the numbers on stdin ("" if none).
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }

# field KEY FILE: the values of KEY=value over the lines of FILE, one a line.
field() { grep -o "\b$1=[0-9.]*" "$2" 2>/dev/null | cut -d= -f2; }
