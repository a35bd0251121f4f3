# Shared shell functions of tools/serve, t/run-tests and the conformance hook.
# Every path is below the checkout, so several instances can run side by side.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR=${PLACEMENT_VAR:-$TOP/var}

DEBIAN_PACKAGES="build-essential autoconf automake libtool pkg-config apache2 apache2-dev \
 libapr1-dev libaprutil1-dev libjson-c-dev libmariadb-dev libyaml-dev libpcre2-dev \
 mariadb-server mariadb-client libapache2-mod-perl2 libjson-pp-perl curl \
 libcurl4-openssl-dev libssl-dev \
 json-schema-test-suite python3-os-traits python3-os-resource-classes"

log() { printf '%s\n' "$*" >&2; }

# free_port FROM [SPREAD]: the first TCP port from FROM on that nothing
# listens on.  With SPREAD the search starts at a point of [FROM,
# FROM+SPREAD) picked by this shell's pid, so suites started side by side
# (other checkouts) rarely probe the same ports.  Someone may still bind
# the port first: a server started on it must then be started again on
# another (t/run-tests does for its Keystones).
free_port() {
    local p=$1
    [ -n "${2:-}" ] && p=$((p + $$ % $2))
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}
die() { log "error: $*"; exit 1; }

# Install what is missing (Debian 12); a no-op when all is there.
install_packages() {
    local missing=() p
    for p in $DEBIAN_PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq -o DPkg::Lock::Timeout=900
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=900 "${missing[@]}" >/dev/null
}

# Build the module and tools in the checkout.
build() {
    cd "$TOP" || exit 1
    # (a checkout configured before `make check` read TAP lacks tap-driver.sh)
    { [ -x configure ] && [ -f build-aux/tap-driver.sh ]; } \
        || autoreconf -fi >/dev/null 2>&1 || die "autoreconf failed"
    [ -f Makefile ] || ./configure --enable-werror ${APXS:+--with-apxs=$APXS} >/dev/null \
        || die "configure failed (see config.log)"
    make -j"$(nproc)" >/dev/null || { make 2>&1 | tail -30; die "build failed"; }
}

# start_mariadb DIR: a private MariaDB in DIR (socket DIR/mysqld.sock, no TCP
# unless PORT is given as $2).  Creates user placement/placement.
start_mariadb() {
    local dir=$1 port=${2:-} user=root
    mkdir -p "$dir"; chmod 755 "$dir"
    # the TCP port is remembered, so a restart (tools/mariadb-ctl) keeps it
    [ -z "$port" ] && [ -f "$dir/port" ] && port=$(cat "$dir/port")
    if [ -n "$port" ] && [ "$(cat "$dir/port" 2>/dev/null)" != "$port" ]; then
        stop_mariadb "$dir"
    fi
    if [ -n "$port" ]; then echo "$port" >"$dir/port"; else rm -f "$dir/port"; fi
    if [ ! -d "$dir/data/mysql" ]; then
        mariadb-install-db --user="$user" --datadir="$dir/data" \
            --auth-root-authentication-method=normal >"$dir/install.log" 2>&1 \
            || die "mariadb-install-db failed (see $dir/install.log)"
    fi
    if ! mariadb -S "$dir/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1; then
        local net="--skip-networking"
        [ -n "$port" ] && net="--port=$port --bind-address=127.0.0.1"
        (mariadbd --no-defaults --user="$user" --datadir="$dir/data" \
            --socket="$dir/mysqld.sock" $net --pid-file="$dir/mysqld.pid" \
            --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
            --max-connections=500 --character-set-server=utf8mb3 \
            --collation-server=utf8mb3_general_ci \
            >"$dir/mysqld.log" 2>&1 &)
        local i
        for i in $(seq 60); do
            mariadb -S "$dir/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
            sleep 0.5
        done
        mariadb -S "$dir/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1 \
            || die "MariaDB did not start (see $dir/mysqld.log)"
    fi
    chmod 777 "$dir/mysqld.sock" 2>/dev/null || true
    mariadb -S "$dir/mysqld.sock" -uroot -e "
        CREATE USER IF NOT EXISTS 'placement'@'localhost' IDENTIFIED BY 'placement';
        CREATE USER IF NOT EXISTS 'placement'@'127.0.0.1' IDENTIFIED BY 'placement';
        GRANT ALL ON *.* TO 'placement'@'localhost';
        GRANT ALL ON *.* TO 'placement'@'127.0.0.1';"
}

stop_mariadb() {
    local dir=$1
    [ -f "$dir/mysqld.pid" ] && kill "$(cat "$dir/mysqld.pid")" 2>/dev/null
    local i; for i in $(seq 40); do [ -S "$dir/mysqld.sock" ] || break; sleep 0.25; done
}

# create_database SOCKETDIR NAME: (re)create an empty database and sync the schema.
create_database() {
    local dir=$1 name=$2 fresh=${3:-}
    if [ -n "$fresh" ]; then
        mariadb -S "$dir/mysqld.sock" -uroot -e "DROP DATABASE IF EXISTS \`$name\`"
    fi
    mariadb -S "$dir/mysqld.sock" -uroot -e \
        "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8"
    "$TOP/placement-dbsync" --schema-dir "$TOP/schema" \
        --connection "mysql+pymysql://placement:placement@localhost/$name?unix_socket=$dir/mysqld.sock&charset=utf8" \
        >/dev/null || die "placement-dbsync failed"
}

# write_httpd_conf DIR LISTEN DBURL [EXTRA-DIRECTIVES-FILE]: a server in DIR
# serving the API at / on LISTEN, made by tools/httpd-conf from
# conf/placement.conf; PLACEMENT_MPM, PLACEMENT_LOGLEVEL and
# PLACEMENT_AUTH_STRATEGY (default noauth2) pick the MPM, LogLevel and
# PlacementAuthStrategy.
write_httpd_conf() {
    local dir=$1 listen=$2 dburl=$3 extra=${4:-}
    mkdir -p "$dir"; chmod 755 "$dir"
    {
        "$TOP/tools/httpd-conf" --server "$dir" --mpm "${PLACEMENT_MPM:-event}" \
            --log-level "${PLACEMENT_LOGLEVEL:-warn}" --listen "$listen" --location / \
            PlacementDatabaseConnection="\"$dburl\"" \
            PlacementAuthStrategy="${PLACEMENT_AUTH_STRATEGY:-noauth2}" \
            CustomLog="$dir/access.log placement" || die "tools/httpd-conf failed"
        if [ -n "$extra" ]; then cat "$extra"; fi
    } >"$dir/httpd.conf"
}

start_httpd() {
    local dir=$1 listen=$2
    stop_httpd "$dir"
    # PLACEMENT_HTTPD_PRELOAD: sanitizer runtimes for a module built with them
    LD_PRELOAD=${PLACEMENT_HTTPD_PRELOAD:-} apache2 -f "$dir/httpd.conf" -k start \
        || die "httpd failed to start (see $dir/error.log)"
    local i
    for i in $(seq 40); do
        curl -sf -m 5 "http://$listen/" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    die "httpd does not answer on $listen (see $dir/error.log)"
}

stop_httpd() {
    local dir=$1
    if [ -f "$dir/httpd.pid" ]; then
        local pid; pid=$(cat "$dir/httpd.pid")
        LD_PRELOAD=${PLACEMENT_HTTPD_PRELOAD:-} apache2 -f "$dir/httpd.conf" -k stop 2>/dev/null \
            || kill "$pid" 2>/dev/null
        local i; for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        rm -f "$dir/httpd.pid"
    fi
}
