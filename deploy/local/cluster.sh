#!/usr/bin/env bash
# A real cluster on this machine from published binaries: throwaway PostgreSQL and Redis (tests/services.sh),
# the schema applied by `Silo --migrate-only`, two silos and a gateway, each its own process.
# Usage: deploy/local/cluster.sh up|down|status
# Ports (override by environment): gateway HTTP 5080, gRPC 5081; silo probes 8091 and 8092.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
state=${ENGINE_LOCAL_STATE:-/tmp/engine-local-cluster.state}
http_port=${ENGINE_LOCAL_HTTP_PORT:-5080}
grpc_port=${ENGINE_LOCAL_GRPC_PORT:-5081}
admin_key=${ENGINE_LOCAL_ADMIN_KEY:-local-admin-key}
source "$repo/tests/services.sh"

wait_ready() { # url, what, pid
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { engine_log "$2 exited; see its log"; return 1; }
    sleep 1
  done
  engine_log "$2 not ready at $1 after 120 s"
  return 1
}

up() {
  [ -f "$state" ] && { engine_log "already up ($state); run '$0 down' first"; exit 1; }
  start_test_services
  local dir=$ENGINE_SERVICES_DIR pids=()
  for host in Silo Gateway; do
    dotnet publish "$repo/$host/Engine.$host.csproj" -c Release -nologo -v q -o "$dir/publish/$host" >&2
  done
  export ConnectionStrings__Postgres="$ENGINE_TEST_POSTGRES" ConnectionStrings__Redis="$ENGINE_TEST_REDIS"
  export Orleans__ClusterId=local Engine__PublicBaseUrl="http://127.0.0.1:$http_port" Logging__Console__FormatterName=json
  # A throwaway key-encryption key, like the throwaway database it protects.
  export Engine__Encryption__ActiveKeyId=local Engine__Encryption__Keys__local="$(openssl rand -base64 32)"
  (cd "$dir/publish/Silo" && dotnet Engine.Silo.dll --migrate-only) >"$dir/migrate.log" 2>&1 || { cat "$dir/migrate.log" >&2; exit 1; }
  for i in 1 2; do
    (cd "$dir/publish/Silo" && exec env Orleans__SiloPort=$((11110 + i)) Orleans__GatewayPort=$((29999 + i)) \
      Silo__HttpUrl="http://127.0.0.1:$((8090 + i))" dotnet Engine.Silo.dll) >"$dir/silo-$i.log" 2>&1 &
    pids+=($!)
  done
  (cd "$dir/publish/Gateway" && exec env Engine__AdminApiKey="$admin_key" Gateway__HttpUrl="http://127.0.0.1:$http_port" \
    Gateway__GrpcUrl="http://127.0.0.1:$grpc_port" dotnet Engine.Gateway.dll) >"$dir/gateway.log" 2>&1 &
  pids+=($!)
  printf 'ENGINE_SERVICES_DIR=%q\nENGINE_PG_BIN=%q\nPIDS=%q\n' "$dir" "$ENGINE_PG_BIN" "${pids[*]}" >"$state"
  wait_ready "http://127.0.0.1:8091/readyz" "silo 1" "${pids[0]}"
  wait_ready "http://127.0.0.1:8092/readyz" "silo 2" "${pids[1]}"
  wait_ready "http://127.0.0.1:$http_port/readyz" "the gateway" "${pids[2]}"
  engine_log "up: webhooks http://127.0.0.1:$http_port, gRPC 127.0.0.1:$grpc_port (admin key $admin_key), logs in $dir"
}

down() {
  [ -f "$state" ] || { engine_log "not up"; return 0; }
  source "$state"
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  for pid in $PIDS; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  export ENGINE_SERVICES_DIR ENGINE_PG_BIN
  stop_test_services
  rm -f "$state"
  engine_log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) [ -f "$state" ] && cat "$state" || echo "not up" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
