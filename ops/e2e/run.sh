#!/bin/bash
# npm run test:e2e: prepares a private Docker Engine (ops/e2e/engine.sh), runs test/e2e/*.test.ts
# against it, removes the test containers and stops the engine it started. Fails loudly with the
# reason when the engine cannot be prepared: the suite is never skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
run="${CANARY_E2E_RUN:-/run/canary-console-e2e}"
started=0
began=$SECONDS
if ! [ -f "$run/dockerd.pid" ] || ! kill -0 "$(cat "$run/dockerd.pid")" 2>/dev/null; then started=1; fi
cleanup() {
	local code=$?
	if [ -n "${DOCKER_HOST:-}" ]; then
		/usr/bin/docker rm -f engine-stable engine-canary nginx-canary >/dev/null 2>&1 || true
		/usr/bin/docker network rm canary-e2e >/dev/null 2>&1 || true
	fi
	[ $started = 1 ] && ops/e2e/engine.sh stop || true
	exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! DOCKER_HOST="$(ops/e2e/engine.sh start)"; then
	echo 'test:e2e FAILED: could not prepare a Docker Engine (reason above)' >&2
	exit 1
fi
export DOCKER_HOST
echo "[e2e] engine ready at $DOCKER_HOST in $((SECONDS - began)) s" >&2
export CANARY_E2E_ENGINE="$root/ops/e2e/engine.sh"
node --import tsx --test --test-concurrency=1 test/e2e/*.test.ts
