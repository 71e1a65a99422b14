#!/bin/bash
# Prepares a private Docker Engine for the e2e suite, or stops it.
#   ops/e2e/engine.sh start   installs what is missing, starts dockerd, builds the images;
#                             prints the DOCKER_HOST to use on stdout
#   ops/e2e/engine.sh daemon  only starts dockerd (the suite's daemon-restart test)
#   ops/e2e/engine.sh stop    stops that dockerd by its PID
#   ops/e2e/engine.sh copy-images HOST IMAGE...
#                             loads the images into the engine at HOST (another daemon) unless it
#                             has them already with the same id: a second engine needs no build
# The engine has its own socket, exec root and data root, so it never touches a system Docker;
# the data root lives under the cache dir, so images survive between runs.
# Every failure exits non-zero with the reason: the suite must never be skipped silently.
# CANARY_E2E_RUN and CANARY_E2E_CACHE move the engine's dirs (a second engine beside the suite's);
# CANARY_E2E_NETWORK=host starts it without a bridge (containers use --network host), so it never
# competes with another daemon for the default bridge.
# CANARY_E2E_TLS_PORT=N also makes it listen on tcp://127.0.0.1:N with TLS verified both ways, as
# a remote Docker host is reached: a CA, a server certificate for 127.0.0.1 and a client
# certificate (ca.pem, cert.pem, key.pem, the files `docker --tlsverify` and contexts read) are
# made once in $CANARY_E2E_RUN/tls.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${CANARY_E2E_CACHE:-/var/cache/canary-console-e2e}"
run="${CANARY_E2E_RUN:-/run/canary-console-e2e}"
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
docker=/usr/bin/docker # the apt CLI: a newer docker on PATH has no working build against this engine

fail() { printf 'e2e engine: %s\n' "$*" >&2; exit 1; }
log() { printf '[engine] %s\n' "$*" >&2; }

install_packages() {
	local missing=()
	[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || missing+=(docker.io)
	command -v debootstrap >/dev/null || missing+=(debootstrap)
	[ -z "${CANARY_E2E_TLS_PORT:-}" ] || command -v openssl >/dev/null || missing+=(openssl)
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || fail "needs root to install ${missing[*]} (run as root, or apt-get install -y ${missing[*]})"
	# Keep the package from starting a system daemon: we run our own.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
	fi
	log "apt-get install ${missing[*]}"
	apt-get update -qq >&2 || fail 'apt-get update failed'
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
		|| fail "apt-get install ${missing[*]} failed"
}

# The CA, the server's certificate (127.0.0.1) and the client's, made once per run dir.
make_tls() {
	local dir="$run/tls"
	[ -s "$dir/key.pem" ] && [ -s "$dir/server-key.pem" ] && return 0
	command -v openssl >/dev/null || fail 'openssl is needed for CANARY_E2E_TLS_PORT'
	mkdir -p "$dir"
	(
		cd "$dir"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=canary-console e2e CA' -keyout ca-key.pem -out ca.pem
		openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server-key.pem -out server.csr
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile server.ext -out server-cert.pem
		openssl req -newkey rsa:2048 -nodes -subj '/CN=canary-console e2e client' -keyout key.pem -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -days 2 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile client.ext -out cert.pem
	) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; fail "making the TLS certificates failed (log: $dir/openssl.log)"; }
}

running() {
	[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start_dockerd() {
	if running && DOCKER_HOST="unix://$sock" "$docker" version >/dev/null 2>&1; then
		log "dockerd already running (pid $(cat "$pidfile"))"
		return 0
	fi
	[ "$(id -u)" = 0 ] || fail 'needs root to start dockerd'
	mkdir -p "$cache/docker" "$run"
	local dev mtu
	# Containers must not send packets larger than the host's uplink allows (bridge networking).
	dev="$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route)"
	mtu="$(cat "/sys/class/net/${dev:-lo}/mtu" 2>/dev/null || echo 1500)"
	[ "$mtu" -le 1500 ] || mtu=1500
	local net=(--mtu "$mtu")
	[ "${CANARY_E2E_NETWORK:-bridge}" = host ] && net=(--bridge=none --iptables=false --ip6tables=false)
	if [ -n "${CANARY_E2E_TLS_PORT:-}" ]; then
		make_tls
		net+=(-H "tcp://127.0.0.1:$CANARY_E2E_TLS_PORT" --tlsverify --tlscacert "$run/tls/ca.pem" --tlscert "$run/tls/server-cert.pem" --tlskey "$run/tls/server-key.pem")
	fi
	log "starting dockerd (data root $cache/docker, ${net[*]})"
	# setsid: dockerd must not get the terminal's signals; it is stopped by its PID.
	setsid /usr/sbin/dockerd --data-root "$cache/docker" --exec-root "$run/exec" --pidfile "$pidfile" \
		-H "unix://$sock" "${net[@]}" >"$run/dockerd.log" 2>&1 </dev/null &
	local deadline=$((SECONDS + 30))
	until DOCKER_HOST="unix://$sock" "$docker" version >/dev/null 2>&1; do
		if ! kill -0 $! 2>/dev/null; then
			tail -n 20 "$run/dockerd.log" >&2
			fail "dockerd exited during start (log above, full log in $run/dockerd.log)"
		fi
		[ $SECONDS -lt $deadline ] || fail "dockerd not ready after 30 s (log: $run/dockerd.log)"
		sleep 0.1
	done
}

stop_dockerd() {
	running || { log 'dockerd not running'; return 0; }
	local pid
	pid="$(cat "$pidfile")"
	log "stopping dockerd (pid $pid)"
	kill -TERM "$pid"
	local deadline=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || { kill -KILL "$pid" 2>/dev/null || true; break; }
		sleep 0.1
	done
}

case "${1:-}" in
start)
	install_packages
	start_dockerd
	DOCKER_HOST="unix://$sock" CANARY_E2E_CACHE="$cache" "$root/ops/docker/build-images.sh" \
		|| fail 'building the images failed (see above)'
	echo "unix://$sock"
	;;
daemon)
	install_packages
	start_dockerd
	echo "unix://$sock"
	;;
stop) stop_dockerd ;;
copy-images)
	target="${2:?usage: $0 copy-images HOST IMAGE...}"
	shift 2
	for image in "$@"; do
		id="$(DOCKER_HOST="unix://$sock" "$docker" image inspect -f '{{.Id}}' "$image")" || fail "no image $image at unix://$sock"
		[ "$(DOCKER_HOST="$target" "$docker" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)" = "$id" ] && continue
		log "copying $image to $target"
		DOCKER_HOST="unix://$sock" "$docker" save "$image" | DOCKER_HOST="$target" "$docker" load >/dev/null \
			|| fail "copying $image to $target failed"
	done
	;;
*) echo "usage: $0 start|daemon|stop|copy-images HOST IMAGE..." >&2; exit 2 ;;
esac
