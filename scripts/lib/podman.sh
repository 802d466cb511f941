# Shared by scripts/containers and scripts/compose: installing what they
# need, making podman work in this machine's sandbox, and Charta's image with
# its base images (pulled when a registry answers, local stand-ins when
# not). Sourced, with WORK set to the caller's scratch directory; the caller
# runs as root.

log() { printf '==> %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# A loopback port nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
APT_UPDATED=""
install() {
    log "installing $*"
    if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Options this machine's podman needs. Some sandboxes (a container with
# hybrid cgroups, no CAP_SYS_RESOURCE) refuse crun and podman's default
# rlimits: then runc with limits no higher than ours.
GLOBAL=()
LIMITS=()
podman_works() { # image
    podman "${GLOBAL[@]}" run --rm --network none "${LIMITS[@]}" "$1" true >"$WORK/probe.log" 2>&1
}
pick_runtime() { # image
    podman_works "$1" && return 0
    local nofile
    nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=65536
    [ "$nofile" -gt 65536 ] && nofile=65536
    LIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096)
    podman_works "$1" && { log "podman needs ${LIMITS[*]} here"; return 0; }
    command -v runc >/dev/null || install runc
    GLOBAL=(--runtime runc)
    podman_works "$1" && { log "podman needs --runtime runc ${LIMITS[*]} here"; return 0; }
    cat "$WORK/probe.log" >&2
    die "podman cannot run a container on this machine"
}

# The same choice for programs that run podman themselves (podman-compose):
# a containers.conf to point CONTAINERS_CONF at.
containers_conf() { # file
    {
        echo "[containers]"
        if [ "${#LIMITS[@]}" -gt 0 ]; then
            printf 'default_ulimits = ["%s", "%s"]\n' "${LIMITS[1]}" "${LIMITS[3]}"
        fi
        echo "[engine]"
        if [ "${#GLOBAL[@]}" -gt 0 ]; then printf 'runtime = "%s"\n' "${GLOBAL[1]}"; fi
    } >"$1"
}

# debootstrap mounts into its target; never delete through a mount.
unmount_rootfs() {
    for m in proc sys dev/pts dev; do
        mountpoint -q "$WORK/rootfs/$m" 2>/dev/null && umount -l "$WORK/rootfs/$m" || true
    done
}

pulled() { # image
    podman image exists "$1" || timeout 120 podman pull -q "$1" >"$WORK/pull.log" 2>&1
}
debian_mirror() {
    local m="${DEBIAN_MIRROR:-}"
    if [ -z "$m" ]; then
        m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
            | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ')" || true
    fi
    echo "${m:-http://deb.debian.org/debian}"
}
local_debian() { # image name
    local mirror root="$WORK/rootfs"
    mirror="$(debian_mirror)"
    command -v debootstrap >/dev/null || install debootstrap
    log "making $1 with debootstrap from $mirror"
    nice -n 10 timeout 1200 debootstrap --variant=minbase trixie "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap"; }
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror%/}
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/}-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # As debian:*-slim: no documentation, manual pages or translations.
    cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/{man,info}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    tar -C "$root" --numeric-owner -c . | podman import -q --change 'CMD ["bash"]' - "$1" >/dev/null
    rm -rf "$root"
}
local_rust() { # image name, debian base
    local sysroot need have
    sysroot="$(rustc --print sysroot)"
    need="$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
    have="$(rustc --version | awk '{print $2}')"
    [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n 1)" = "$need" ] \
        || die "this machine's Rust $have is older than the workspace's rust-version $need"
    log "making $1 from $2 and the Rust toolchain at $sysroot"
    nice -n 10 timeout 1800 podman "${GLOBAL[@]}" build -q "${LIMITS[@]}" --network host \
        -f deploy/local-base/rust.Containerfile --ignorefile deploy/local-base/rust.dockerignore \
        --build-arg "BASE=$2" -t "$1" "$sysroot" >"$WORK/rust-base.log" 2>&1 \
        || { tail -n 30 "$WORK/rust-base.log" >&2; die "building $1"; }
}

# Sets RUNTIME_IMAGE and RUST_IMAGE (the Containerfile's base images) to
# the defaults when they can be pulled, else to local stand-ins made once
# and kept, and BASES to which; picks how podman runs containers here.
base_images() {
    arg_default() { sed -n "s/^ARG $1=//p" deploy/Containerfile; }
    RUST_IMAGE="${RUST_IMAGE:-$(arg_default RUST_IMAGE)}"
    RUNTIME_IMAGE="${RUNTIME_IMAGE:-$(arg_default RUNTIME_IMAGE)}"
    BASES="pulled"
    if ! pulled "$RUNTIME_IMAGE"; then
        log "cannot pull $RUNTIME_IMAGE ($(tail -n 1 "$WORK/pull.log" | cut -c1-120)); using a local stand-in"
        RUNTIME_IMAGE="localhost/charta-local/debian:trixie-slim"
        podman image exists "$RUNTIME_IMAGE" || local_debian "$RUNTIME_IMAGE"
        BASES="local stand-ins"
    fi
    pick_runtime "$RUNTIME_IMAGE"
    if ! pulled "$RUST_IMAGE"; then
        log "cannot pull $RUST_IMAGE; using a local stand-in"
        RUST_IMAGE="localhost/charta-local/rust:$(rustc --version | awk '{print $2}')-slim-trixie"
        podman image exists "$RUST_IMAGE" || local_rust "$RUST_IMAGE" "localhost/charta-local/debian:trixie-slim"
        BASES="local stand-ins"
    fi
}

# Builds Charta's image as IMAGE from deploy/Containerfile on the base
# images base_images chose; sets BUILD_SECONDS.
build_charta() {
    # Locally added CAs (an intercepting proxy's) go to cargo as a build secret.
    CA_SECRET=()
    CA_BUNDLE="${CARGO_HTTP_CAINFO:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
    if [ -s "$CA_BUNDLE" ] && { [ -n "${CARGO_HTTP_CAINFO:-}${SSL_CERT_FILE:-}" ] \
            || [ -n "$(ls -A /usr/local/share/ca-certificates 2>/dev/null)" ]; }; then
        CA_SECRET=(--secret "id=cargo-ca,src=$CA_BUNDLE")
        log "cargo in the build trusts this machine's CA bundle $CA_BUNDLE (it has locally added CAs)"
    fi
    log "building $IMAGE from $RUST_IMAGE and $RUNTIME_IMAGE (log: build.log)"
    BUILD_START=$(date +%s)
    nice -n 10 timeout 3600 podman "${GLOBAL[@]}" build "${LIMITS[@]}" --network host --format docker \
        -f deploy/Containerfile --ignorefile deploy/Containerfile.dockerignore "${CA_SECRET[@]}" \
        --build-arg "RUST_IMAGE=$RUST_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" \
        -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
        || { tail -n 40 "$WORK/build.log" >&2; die "podman build"; }
    BUILD_SECONDS=$(( $(date +%s) - BUILD_START ))
}

# A throwaway PostgreSQL on a free loopback port of the host, with password
# authentication and the database and roles that deploy/postgres-init.sh
# makes (as compose.yaml's postgres service runs it). Sets PGPORT,
# OWNER_URL (charta_owner) and SERVE_URL (charta); stop_host_postgres stops
# it. Its data lives in $WORK/pg. PostgreSQL is installed when missing.
host_postgres() {
    local owner_pw serve_pw
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -x "$PGBIN/initdb" ] || install postgresql
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    PGPORT="$(free_port)"
    chown postgres: "$WORK"
    runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o \
        "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
    owner_pw="$(openssl rand -hex 16)"; serve_pw="$(openssl rand -hex 16)"
    cp deploy/postgres-init.sh "$WORK/postgres-init.sh"
    runuser -u postgres -- env PGHOST="$WORK" PGPORT="$PGPORT" POSTGRES_USER=postgres \
        CHARTA_OWNER_DB_PASSWORD="$owner_pw" CHARTA_DB_PASSWORD="$serve_pw" \
        sh "$WORK/postgres-init.sh" >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; die "deploy/postgres-init.sh"; }
    OWNER_URL="postgres://charta_owner:$owner_pw@127.0.0.1:$PGPORT/charta"
    SERVE_URL="postgres://charta:$serve_pw@127.0.0.1:$PGPORT/charta"
}
stop_host_postgres() {
    [ -d "$WORK/pg" ] && [ -n "${PGBIN:-}" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
}
