#!/usr/bin/env bash
# The test command: starts throwaway PostgreSQL and Redis, runs every test against them, tears them down.
# Usage: tests/run.sh [extra dotnet test arguments]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source tests/services.sh
trap stop_test_services EXIT
start_test_services

dotnet build Engine.sln -c Release -nologo -v q
# Both hosts publish the way deploy/docker/*.Dockerfile publishes them (no container engine runs here).
for host in Silo Gateway; do
  dotnet publish "$host/Engine.$host.csproj" -c Release --no-build -nologo -v q -o "$ENGINE_SERVICES_DIR/publish/$host"
done
set +e
dotnet test --solution Engine.sln -c Release --no-build --no-progress "$@" 2>&1 | tee "$ENGINE_SERVICES_DIR/test-output.log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line that any CI can read.
log="$ENGINE_SERVICES_DIR/test-output.log"
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
