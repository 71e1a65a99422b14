#!/bin/bash
# Builds the images the e2e suite runs, offline (no registry is reachable):
#   canary-console/base:bookworm   debootstrap minbase, imported     (~30 s, once)
#   canary-console/node:20         the host's node binary + its libs (~2 s, once per node version)
#   canary-console/nginx:e2e       base + nginx-light                (~5 s, once)
#   canary-console/lab-deps:e2e    node + node_modules               (rebuilt when package.json changes)
#   canary-console/lab-engine:e2e  lab-deps + source/                (rebuilt when the sources change, ~2 s)
# Images stay in the engine's data root, so later runs only check their labels.
# Needs DOCKER_HOST pointing at the engine and root (debootstrap).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
docker=/usr/bin/docker # the apt CLI: a newer CLI earlier on PATH cannot build against this engine
cache="${CANARY_E2E_CACHE:-/var/cache/canary-console-e2e}"
suite=bookworm
export DOCKER_BUILDKIT=0 # the classic builder works offline with local base images

log() { printf '[images] %s\n' "$*" >&2; }
has_image() { "$docker" image inspect "$1" >/dev/null 2>&1; }
label_of() { "$docker" image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

build_base() {
	has_image canary-console/base:$suite && return 0
	command -v debootstrap >/dev/null || { log 'debootstrap is not installed (apt-get install debootstrap)'; exit 1; }
	local mirror rootfs
	mirror="$("$root/ops/docker/apt-mirror.sh" "$suite")"
	rootfs="$cache/rootfs-$suite"
	log "debootstrap $suite from $mirror"
	rm -rf "$rootfs"
	mkdir -p "$rootfs"
	debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
		|| { log "debootstrap failed, see $cache/debootstrap.log:"; tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	tar -C "$rootfs" -c . | "$docker" import - canary-console/base:$suite >/dev/null
	rm -rf "$rootfs"
}

build_node() {
	local node version
	node="$(readlink -f "$(command -v node)")"
	version="$("$node" --version)"
	[ "$(label_of canary-console/node:20 canary.node)" = "$version" ] && return 0
	log "node image from $node $version"
	local dir="$cache/node-rootfs"
	rm -rf "$dir"
	mkdir -p "$dir/usr/bin" "$dir/tmp" "$dir/etc"
	chmod 1777 "$dir/tmp"
	cp "$node" "$dir/usr/bin/node"
	# The loader and every library ldd lists, at the same paths.
	ldd "$node" | grep -oE '/[^ ]+' | while read -r lib; do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
	echo 'nogroup:x:65534:' >"$dir/etc/group"
	tar -C "$dir" -c . | "$docker" import \
		-c 'ENTRYPOINT ["/usr/bin/node"]' -c "LABEL canary.node=$version" -c 'ENV PATH=/usr/bin:/bin' \
		- canary-console/node:20 >/dev/null
	rm -rf "$dir"
}

build_nginx() {
	has_image canary-console/nginx:e2e && return 0
	log 'nginx image'
	"$docker" build -q --network host -t canary-console/nginx:e2e -f "$root/ops/docker/Dockerfile.nginx" "$root/ops/docker" >/dev/null
}

# Content hash of some project files: a build is skipped when its label already matches.
context_hash() { (cd "$root" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c "$@" | sha256sum | cut -c1-16); }

build_lab_engine() {
	# Two layers of images: node_modules (90 MB, changes rarely) and the sources (small, often).
	local deps_files=(package.json package-lock.json ops/docker/Dockerfile.lab-deps)
	local hash
	hash="$(context_hash "${deps_files[@]}")"
	if [ "$(label_of canary-console/lab-deps:e2e canary.context)" != "$hash" ]; then
		log "lab engine dependencies image ($hash)"
		(cd "$root" && tar -c package.json node_modules ops/docker/Dockerfile.lab-deps) | "$docker" build -q --label "canary.context=$hash" \
			-t canary-console/lab-deps:e2e -f ops/docker/Dockerfile.lab-deps - >/dev/null
	fi
	local files=(source ops/docker/Dockerfile.lab-engine)
	hash="$hash-$(context_hash "${files[@]}")"
	[ "$(label_of canary-console/lab-engine:e2e canary.context)" = "$hash" ] && return 0
	log "lab engine image ($hash)"
	(cd "$root" && tar -c "${files[@]}") | "$docker" build -q --label "canary.context=$hash" \
		--build-arg BASE=canary-console/lab-deps:e2e -t canary-console/lab-engine:e2e -f ops/docker/Dockerfile.lab-engine - >/dev/null
}

mkdir -p "$cache"
build_base
build_node
build_nginx
build_lab_engine
"$docker" image prune -f >/dev/null
