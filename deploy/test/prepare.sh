#!/usr/bin/env bash
# `make deploy-test`, first half: a Docker engine, and every image deploy/compose.yaml needs,
# built from what this machine can reach (Debian's archive and PyPI) when a registry cannot
# give them. Writes the choices to data/deploy-test/stack.env for the second half
# (tests/deploy/test_stack.py). Behind a TLS-inspecting proxy, MALESTOKK_EXTRA_CA (default:
# SSL_CERT_FILE) names the CA bundle the build trusts.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=data/deploy-test
mkdir -p "$OUT"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
say() { printf 'deploy-test: %s\n' "$*" >&2; }

# 1. the engine: Debian's docker.io (with docker-compose and debootstrap) when missing
need=()
command -v dockerd >/dev/null 2>&1 || docker info >/dev/null 2>&1 || need+=(docker.io)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 \
    || need+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} from Debian's archive"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi
if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: $OUT/dockerd.log)"
    $SUDO sh -c "nohup dockerd > '$PWD/$OUT/dockerd.log' 2>&1 &"
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { say "dockerd did not start; see $OUT/dockerd.log"; exit 1; }
fi

# 2. a client that builds with BuildKit (the Dockerfile's CA secret needs it)
if docker buildx version >/dev/null 2>&1; then
    BUILD=(docker build)
elif [ -x /usr/bin/docker ]; then
    BUILD=(env DOCKER_BUILDKIT=1 /usr/bin/docker build)  # Debian's client: BuildKit built in
else
    BUILD=(env DOCKER_BUILDKIT=1 docker build)
fi
if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE="docker-compose"; fi

# 3. the base images: the registry's, else made from Debian's archive
have() { docker image inspect "$1" >/dev/null 2>&1 || timeout 60 docker pull -q "$1" >/dev/null 2>&1; }
LOCAL_BASE=malestokk-base:bookworm
if ! docker image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
    if ! have python:3.11-slim-bookworm || ! have debian:bookworm-slim; then
        say "building $LOCAL_BASE from Debian's archive (debootstrap)"
        root=$(mktemp -d)
        $SUDO debootstrap --variant=minbase \
            --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
            bookworm "$root" http://deb.debian.org/debian >"$OUT/debootstrap.log" 2>&1
        $SUDO tar -C "$root" -c . | docker import - "$LOCAL_BASE" >/dev/null
        $SUDO rm -rf "$root"
    fi
fi
if have python:3.11-slim-bookworm; then PY_BASE=python:3.11-slim-bookworm; else PY_BASE=$LOCAL_BASE; fi
if have debian:bookworm-slim; then OS_BASE=debian:bookworm-slim; else OS_BASE=$LOCAL_BASE; fi

# 4. the network's CA, when there is one to trust
CA="${MALESTOKK_EXTRA_CA:-${SSL_CERT_FILE:-}}"
SECRET=()
if [ -n "$CA" ] && [ -s "$CA" ]; then SECRET=(--secret "id=extra_ca,src=$CA"); fi

# 5. the images compose runs
MALESTOKK_IMAGE=malestokk:deploy-test
POSTGRES_IMAGE=malestokk-postgres:deploy-test
NGINX_IMAGE=malestokk-nginx:deploy-test
say "building $POSTGRES_IMAGE and $NGINX_IMAGE from $OS_BASE"
"${BUILD[@]}" -q --build-arg "BASE_IMAGE=$OS_BASE" -f deploy/images/postgres.Dockerfile \
    -t "$POSTGRES_IMAGE" . >/dev/null
"${BUILD[@]}" -q --build-arg "BASE_IMAGE=$OS_BASE" -f deploy/images/nginx.Dockerfile \
    -t "$NGINX_IMAGE" . >/dev/null
say "building $MALESTOKK_IMAGE from $PY_BASE (log: $OUT/build.log)"
"${BUILD[@]}" --progress=plain "${SECRET[@]}" --build-arg "BASE_IMAGE=$PY_BASE" \
    -f deploy/Dockerfile -t "$MALESTOKK_IMAGE" . >"$OUT/build.log" 2>&1 \
    || { tail -30 "$OUT/build.log"; say "the image did not build; see $OUT/build.log"; exit 1; }

{
    echo "BUILD=$(printf '%q ' "${BUILD[@]}")"
    echo "COMPOSE=$COMPOSE"
    echo "PY_BASE=$PY_BASE"
    echo "EXTRA_CA=$CA"
    echo "MALESTOKK_IMAGE=$MALESTOKK_IMAGE"
    echo "POSTGRES_IMAGE=$POSTGRES_IMAGE"
    echo "NGINX_IMAGE=$NGINX_IMAGE"
} > "$OUT/stack.env"
say "images ready ($OUT/stack.env)"
