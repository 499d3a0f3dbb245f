#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 and Redis 7 on free loopback ports, for tests and benchmarks.
# Source it: it exports ENGINE_TEST_POSTGRES and ENGINE_TEST_REDIS and defines stop_test_services.
# Installs the Debian packages first when they are missing and we are root.

engine_log() { printf '[services] %s\n' "$*" >&2; }

find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

ensure_packages() {
  local missing=()
  find_pg_bin >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    engine_log "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root"
    return 1
  fi
  engine_log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2
}

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 20000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

start_test_services() {
  ensure_packages || return 1
  local pg_bin run_as=()
  pg_bin=$(find_pg_bin)
  ENGINE_SERVICES_DIR=$(mktemp -d /tmp/engine-services.XXXXXX)
  chmod 755 "$ENGINE_SERVICES_DIR"
  # PostgreSQL refuses to run as root; use the postgres account the Debian package creates.
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$ENGINE_SERVICES_DIR"
    run_as=(runuser -u postgres --)
  fi

  local pg_port redis_port
  pg_port=$(free_port) && redis_port=$(free_port) || { engine_log "no free port"; return 1; }
  "${run_as[@]}" "$pg_bin/initdb" -D "$ENGINE_SERVICES_DIR/pg" -U postgres --auth=trust -E UTF8 >"$ENGINE_SERVICES_DIR/initdb.log" 2>&1 \
    || { cat "$ENGINE_SERVICES_DIR/initdb.log" >&2; return 1; }
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$ENGINE_SERVICES_DIR/pg" -l "$ENGINE_SERVICES_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$ENGINE_SERVICES_DIR -c max_connections=400 -c fsync=on -c shared_buffers=256MB ${ENGINE_PG_OPTIONS:-}" \
    start >&2 || { cat "$ENGINE_SERVICES_DIR/postgres.log" >&2; return 1; }

  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$ENGINE_SERVICES_DIR/redis.pid" --logfile "$ENGINE_SERVICES_DIR/redis.log" --dir "$ENGINE_SERVICES_DIR" >&2
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
    sleep 0.1
  done

  export ENGINE_SERVICES_DIR ENGINE_PG_BIN="$pg_bin"
  export ENGINE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=200"
  export ENGINE_TEST_REDIS="127.0.0.1:$redis_port"
  engine_log "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (data in $ENGINE_SERVICES_DIR)"
}

stop_test_services() {
  [ -n "${ENGINE_SERVICES_DIR:-}" ] && [ -d "$ENGINE_SERVICES_DIR" ] || return 0
  local run_as=()
  [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$ENGINE_PG_BIN/pg_ctl" -D "$ENGINE_SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$ENGINE_SERVICES_DIR/redis.pid" ] && kill "$(cat "$ENGINE_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$ENGINE_SERVICES_DIR"
}
