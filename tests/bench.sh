#!/usr/bin/env bash
# Runs one benchmark against throwaway PostgreSQL and Redis: tests/bench.sh webhooks
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# Benchmarks break their statements and their planning and execution time down with pg_stat_statements (it ships with the postgresql package).
export ENGINE_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
source tests/services.sh
trap stop_test_services EXIT
start_test_services
dotnet build tests/Benchmarks -c Release -nologo -v q
dotnet artifacts/bin/Engine.Benchmarks/release/Engine.Benchmarks.dll "$@"
