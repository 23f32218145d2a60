# EntropyBroker (Debian package entropybroker) as an EGD server on loopback,
# for bench/run-egd and bench/run-idle. Sourced, not run.
#
#   eb_start DIR EGD_PORT   starts the three processes EntropyBroker needs and
#                           returns once eb_client_egd answers on EGD_PORT
#   eb_pids                 prints the pids of every EntropyBroker process
#   eb_stop                 kills them all (SIGKILL: the broker takes a minute
#                           to stop on SIGTERM, and nothing of it is kept)
#
# The chain: eb_server_stream reads /dev/urandom and pushes it to
# entropy_broker (127.0.0.1:BROKER_PORT, authenticated, 3DES-encrypted, as
# Debian configures it); eb_client_egd serves EGD on 127.0.0.1:EGD_PORT and
# forks one process per EGD connection, which logs in to the broker and asks
# it for every read. The broker's per-user limit is raised to 10^9 bits/s
# (users file), its web server is off, and its log level is "warning"; the
# rest is Debian's /etc/entropybroker/entropy_broker.conf.
#
# The broker writes statistics into /var and pool dumps into /var/cache, so
# the three run in a private mount namespace with a tmpfs on /var (root
# needed). The caller must call eb_stop (e.g. from its EXIT trap).

eb_dir=
eb_ns_pid=

# eb_pids: every process of the running EntropyBroker chain (the broker, the
# stream server, eb_client_egd and its per-connection children).
eb_pids() {
  [[ -n $eb_dir ]] || return 0
  local f pid
  for f in broker server; do
    [[ -s $eb_dir/$f.pid ]] && cat "$eb_dir/$f.pid"
  done
  if [[ -s $eb_dir/client.pid ]]; then
    pid=$(cat "$eb_dir/client.pid")
    # eb_client_egd runs daemon(): its session holds it and every child.
    ps -o pid= -s "$pid" 2>/dev/null | tr -d ' '
  fi
}

eb_stop() {
  [[ -n $eb_dir ]] || return 0
  local pid all
  all=$(eb_pids)
  for pid in $all; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ -n $eb_ns_pid ]]; then
    kill -KILL "$eb_ns_pid" 2>/dev/null || true
    wait "$eb_ns_pid" 2>/dev/null || true
  fi
  # Until they are gone (zombies count as gone: init reaps them), 5 s at most.
  local alive state
  for _ in $(seq 50); do
    alive=0
    for pid in $all; do
      state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
      [[ -n $state && $state != Z ]] && alive=1
    done
    ((alive)) || break
    sleep 0.1
  done
  eb_dir='' eb_ns_pid=''
}

# eb_write_config DIR BROKER_PORT
eb_write_config() {
  sed -e "s/^listen_adapter .*/listen_adapter = ::FFFF:127.0.0.1/" \
    -e "s/^listen_port .*/listen_port = $2/" \
    -e "s/^webserver_port .*/webserver_port = -1/" \
    -e "s/^webserver_interface .*/webserver_interface = ::FFFF:127.0.0.1/" \
    -e "s|^users .*|users = $1/users.txt|" \
    /etc/entropybroker/entropy_broker.conf >"$1/broker.conf"
  grep -q "^listen_port = $2\$" "$1/broker.conf" || {
    echo "entropybroker.sh: cannot adapt /etc/entropybroker/entropy_broker.conf" >&2
    return 1
  }
  # user|password|max bits per second|may write. 3DES wants a 24+ character password.
  (umask 077
   echo "bench|bench-password-0123456789abcdef|1000000000|yes" >"$1/users.txt"
   printf 'bench\nbench-password-0123456789abcdef\n' >"$1/auth.txt")
}

# eb_start DIR EGD_PORT
eb_start() {
  local dir=$1 egd_port=$2 broker_port
  for tool in entropy_broker eb_server_stream eb_client_egd unshare; do
    command -v "$tool" >/dev/null || { echo "entropybroker.sh: $tool missing (apt-get install entropybroker)" >&2; return 1; }
  done
  broker_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  eb_dir=$dir
  eb_write_config "$dir" "$broker_port" || return 1
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --mount --propagation private bash -c '
    set -e
    dir=$1 broker_port=$2 egd_port=$3 log_level=$4
    mount -t tmpfs tmpfs /var
    mkdir /var/cache
    entropy_broker -c "$dir/broker.conf" -n -l "$dir/broker.log" -L "$log_level" -P "$dir/broker.pid" \
      >/dev/null 2>&1 &
    for _ in $(seq 200); do
      (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && break
      sleep 0.05
    done
    eb_server_stream -I "127.0.0.1:$broker_port" -d /dev/urandom -X "$dir/auth.txt" -n \
      -l "$dir/server.log" -L "$log_level" -P "$dir/server.pid" >/dev/null 2>&1 &
    eb_client_egd -I "127.0.0.1:$broker_port" -t ::FFFF:127.0.0.1 -T "$egd_port" \
      -X "$dir/auth.txt" -l "$dir/client.log" -L "$log_level" -P "$dir/client.pid" >/dev/null 2>&1
    wait
  ' eb "$dir" "$broker_port" "$egd_port" "${EB_LOG_LEVEL:-4}" 2>"$dir/namespace.log" &
  eb_ns_pid=$!
  for _ in $(seq 200); do
    if [[ -s $dir/client.pid ]] && (exec 3<>"/dev/tcp/127.0.0.1/$egd_port") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "entropybroker.sh: eb_client_egd does not listen on $egd_port; logs:" >&2
  tail -n 5 "$dir"/*.log >&2
  return 1
}
