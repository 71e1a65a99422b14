#!/bin/bash
# npm run test:e2e [-- FILE...]: prepares a private Docker Engine (ops/e2e/engine.sh), runs test/e2e/*.test.ts
# against it, removes the test containers and stops the engine it started. Fails loudly with the
# reason when the engine cannot be prepared: the suite is never skipped.
# A second private engine (B: its own socket, data root and exec root, host networking, and a TCP
# port with TLS) runs beside the first for the replicas-on-two-hosts test, which stops and starts
# it mid-run; it gets the first engine's images by `docker save | docker load`, so it builds nothing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
run="${CANARY_E2E_RUN:-/run/canary-console-e2e}"
cache="${CANARY_E2E_CACHE:-/var/cache/canary-console-e2e}"
export CANARY_E2E_RUN_B="${CANARY_E2E_RUN_B:-$run-b}"
export CANARY_E2E_CACHE_B="${CANARY_E2E_CACHE_B:-$cache-b}"
# Engine B is also reached as a remote host is: TCP with TLS verified both ways, named by a context.
export CANARY_E2E_TLS_PORT_B="${CANARY_E2E_TLS_PORT_B:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
export CANARY_E2E_TLS_B="tcp://127.0.0.1:$CANARY_E2E_TLS_PORT_B"
export CANARY_E2E_TLS_DIR_B="$CANARY_E2E_RUN_B/tls"
engine_b() { CANARY_E2E_RUN="$CANARY_E2E_RUN_B" CANARY_E2E_CACHE="$CANARY_E2E_CACHE_B" CANARY_E2E_NETWORK=host CANARY_E2E_TLS_PORT="$CANARY_E2E_TLS_PORT_B" ops/e2e/engine.sh "$@"; }
alive() { [ -f "$1/dockerd.pid" ] && kill -0 "$(cat "$1/dockerd.pid")" 2>/dev/null; }
started=0
started_b=0
began=$SECONDS
alive "$run" || started=1
alive "$CANARY_E2E_RUN_B" || started_b=1
cleanup() {
	local code=$?
	if [ -n "${DOCKER_HOST:-}" ]; then
		/usr/bin/docker rm -f engine-stable engine-canary nginx-canary >/dev/null 2>&1 || true
		/usr/bin/docker ps -aq --filter label=canary-console.e2e=two-hosts | xargs -r /usr/bin/docker rm -f >/dev/null 2>&1 || true
		/usr/bin/docker network rm canary-e2e >/dev/null 2>&1 || true
	fi
	if [ -n "${CANARY_E2E_DOCKER_HOST_B:-}" ]; then
		DOCKER_HOST="$CANARY_E2E_DOCKER_HOST_B" /usr/bin/docker ps -aq --filter label=canary-console.e2e=two-hosts \
			| DOCKER_HOST="$CANARY_E2E_DOCKER_HOST_B" xargs -r /usr/bin/docker rm -f >/dev/null 2>&1 || true
	fi
	[ $started_b = 1 ] && engine_b stop || true
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
if ! CANARY_E2E_DOCKER_HOST_B="$(engine_b daemon)" || ! ops/e2e/engine.sh copy-images "$CANARY_E2E_DOCKER_HOST_B" canary-console/lab-engine:e2e; then
	echo 'test:e2e FAILED: could not prepare the second Docker Engine (reason above)' >&2
	exit 1
fi
export CANARY_E2E_DOCKER_HOST_B
echo "[e2e] engines ready at $DOCKER_HOST and $CANARY_E2E_DOCKER_HOST_B in $((SECONDS - began)) s" >&2
export CANARY_E2E_ENGINE="$root/ops/e2e/engine.sh"
# Arguments name test files to run instead of the whole suite (both engines are prepared either way).
if [ $# -gt 0 ]; then files=("$@"); else files=(test/e2e/*.test.ts); fi
node --import tsx --test --test-concurrency=1 "${files[@]}"
