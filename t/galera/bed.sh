#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback ports with two httpd fronts
# running mod_placement, each writing to its own node (multi-writer).
#
#   t/galera/bed.sh [all]     up, run the tests (t/galera/*.t), down  (the default)
#   t/galera/bed.sh up        start the cluster and the fronts, print their URLs
#   t/galera/bed.sh test      run the tests against a bed that is up
#   t/galera/bed.sh down      stop everything
#   t/galera/bed.sh kill N | start N   SIGKILL / restart node N (1-3)
#   t/galera/bed.sh sql N [mariadb args]  a client on node N
#
# State under $PLACEMENT_VAR/galera (default var/galera; under /var/tmp when
# the mysql user cannot reach the checkout): n1..n3 (datadir,
# socket, my.cnf, log; nodes run as the mysql user so rsync SST works as in
# a packaged install), front-a (-> node 1, failing over to node 3) and
# front-b (-> node 2 only, so it answers 503 while node 2 is down), env (the
# ports and URLs, sourced by the tests).  Needs Debian's galera-4, rsync
# and iproute2 (installed when missing).  Node 1 bootstraps, 2 and 3 join
# by rsync SST; the schema comes from placement-dbsync through node 1.
set -euo pipefail
. "$(dirname "$0")/../../tools/lib.sh"
BED=$VAR/galera
RUNAS=mysql; [ "$(id -u)" -ne 0 ] && RUNAS=$(id -un)
# nodes run as mysql: when it cannot reach the checkout (say, under /root),
# the bed lives elsewhere
mkdir -p "$VAR"
if [ "$RUNAS" = mysql ] && ! runuser -u mysql -- test -x "$VAR" 2>/dev/null; then
    BED=/var/tmp/placement-galera.$(printf %s "$TOP" | md5sum | cut -c1-8)
fi
PROVIDER=/usr/lib/galera/libgalera_smm.so

node_sql() { local n=$1; shift; mariadb -S "$BED/n$n/mysqld.sock" -uroot "$@"; }
node_up() { node_sql "$1" -N -e "SHOW STATUS LIKE 'wsrep_ready'" 2>/dev/null | grep -q ON; }

ports() {
    if [ ! -f "$BED/env" ]; then
        mkdir -p "$BED"
        # from a base of this checkout's own (two checkouts' beds starting at
        # once do not pick the same ports), each one checked free
        local p i names=""
        p=$((20000 + $(printf %s "$TOP" | cksum | cut -d' ' -f1) % 250 * 40))
        {
            for i in 1 2 3; do
                for k in SQL GCOMM IST SST; do
                    p=$(free_port "$p"); echo "N${i}_$k=$p"; p=$((p + 1))
                done
            done
            p=$(free_port "$p"); echo "FRONT_A_PORT=$p"
            p=$(free_port $((p + 1))); echo "FRONT_B_PORT=$p"
        } >"$BED/env"
    fi
    . "$BED/env"
}

write_cnf() {
    local n=$1 d=$BED/n$1 sql gcomm ist sst
    eval "sql=\$N${n}_SQL gcomm=\$N${n}_GCOMM ist=\$N${n}_IST sst=\$N${n}_SST"
    cat >"$d/my.cnf" <<CNF
[mysqld]
user=$RUNAS
datadir=$d/data
socket=$d/mysqld.sock
port=$sql
bind-address=127.0.0.1
pid-file=$d/mysqld.pid
log-error=$d/mysqld.log
character-set-server=utf8mb3
collation-server=utf8mb3_general_ci
max-connections=400
innodb-buffer-pool-size=64M
innodb-log-file-size=32M
innodb-flush-log-at-trx-commit=0
innodb-autoinc-lock-mode=2
binlog-format=ROW
default-storage-engine=InnoDB
wsrep-on=ON
wsrep-provider=$PROVIDER
wsrep-cluster-name=placement_bed
wsrep-cluster-address=gcomm://127.0.0.1:$N1_GCOMM,127.0.0.1:$N2_GCOMM,127.0.0.1:$N3_GCOMM
wsrep-node-name=n$n
wsrep-node-address=127.0.0.1:$gcomm
wsrep-node-incoming-address=127.0.0.1:$sql
wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$ist;gcache.size=64M"
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:$sst
wsrep-slave-threads=2
CNF
}

start_node() {
    local n=$1 d=$BED/n$1 extra=${2:-}
    node_up "$n" && return 0
    mkdir -p "$d/data"
    chmod 755 "$BED" "$d"
    write_cnf "$n"
    if [ "$n" = 1 ] && [ ! -d "$d/data/mysql" ]; then
        mariadb-install-db --defaults-file="$d/my.cnf" --user="$RUNAS" \
            --auth-root-authentication-method=normal >"$d/install.log" 2>&1 \
            || die "mariadb-install-db failed (see $d/install.log)"
    fi
    [ "$(id -u)" -eq 0 ] && chown -R "$RUNAS" "$d"
    rm -f "$d/mysqld.sock"
    # after a crash, recover the position from InnoDB first (as the packaged
    # galera_recovery does), so the node rejoins by IST, not a full SST
    if grep -q '^seqno: *-1' "$d/data/grastate.dat" 2>/dev/null; then
        rm -f "$d/recover.log"
        mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --log-error="$d/recover.log" \
            >/dev/null 2>&1 || true
        local pos; pos=$(sed -n 's/.*WSREP: Recovered position: *//p' "$d/recover.log" | tail -1)
        [ -n "$pos" ] && extra="$extra --wsrep-start-position=$pos"
    fi
    (cd "$d" && exec mariadbd --defaults-file="$d/my.cnf" $extra >>"$d/mysqld.out" 2>&1 </dev/null &)
    local i
    for i in $(seq 240); do node_up "$n" && break; sleep 0.5; done
    node_up "$n" || die "node $n did not join (see $d/mysqld.log)"
    chmod 777 "$d/mysqld.sock" 2>/dev/null || true
}

kill_node() {
    local d=$BED/n$1
    [ -f "$d/mysqld.pid" ] && kill -9 "$(cat "$d/mysqld.pid")" 2>/dev/null || true
    rm -f "$d/mysqld.pid"
    local i; for i in $(seq 40); do node_up "$1" || break; sleep 0.25; done
}

stop_node() {
    local d=$BED/n$1 pid
    [ -f "$d/mysqld.pid" ] || return 0
    pid=$(cat "$d/mysqld.pid")
    kill "$pid" 2>/dev/null || true
    local i; for i in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
}

up() {
    install_packages galera-4 rsync iproute2
    build
    local fresh=
    if ! node_up 1 && ! node_up 2 && ! node_up 3; then fresh=1; rm -f "$BED/env"; fi
    ports
    if [ -n "$fresh" ]; then
        # a fresh cluster every time: node 1 bootstraps from its datadir
        rm -rf "$BED/n1" "$BED/n2" "$BED/n3"
        mkdir -p "$BED/n1"
        start_node 1 --wsrep-new-cluster
    fi
    start_node 1; start_node 2; start_node 3
    node_sql 1 -e "
        CREATE USER IF NOT EXISTS 'placement'@'localhost' IDENTIFIED BY 'placement';
        CREATE USER IF NOT EXISTS 'placement'@'127.0.0.1' IDENTIFIED BY 'placement';
        GRANT ALL ON *.* TO 'placement'@'localhost';
        GRANT ALL ON *.* TO 'placement'@'127.0.0.1';
        CREATE DATABASE IF NOT EXISTS placement CHARACTER SET utf8"
    "$TOP/placement-dbsync" --schema-dir "$TOP/schema" \
        --connection "mysql+pymysql://placement:placement@127.0.0.1:$N1_SQL/placement?charset=utf8" \
        >/dev/null || die "placement-dbsync failed"
    local size; size=$(node_sql 3 -N -e "SET SESSION wsrep_sync_wait=1;
        SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
    [ "$size" = 3 ] || die "cluster size is $size, not 3"
    # front a: node 1, failing over to node 3; front b: node 2 alone
    write_httpd_conf "$BED/front-a" "127.0.0.1:$FRONT_A_PORT" \
        "mysql+pymysql://placement:placement@127.0.0.1:$N1_SQL,127.0.0.1:$N3_SQL/placement?charset=utf8"
    write_httpd_conf "$BED/front-b" "127.0.0.1:$FRONT_B_PORT" \
        "mysql+pymysql://placement:placement@127.0.0.1:$N2_SQL/placement?charset=utf8"
    start_httpd "$BED/front-a" "127.0.0.1:$FRONT_A_PORT"
    start_httpd "$BED/front-b" "127.0.0.1:$FRONT_B_PORT"
    log "galera bed up: front a http://127.0.0.1:$FRONT_A_PORT (node 1, then 3)," \
        "front b http://127.0.0.1:$FRONT_B_PORT (node 2); nodes on $N1_SQL $N2_SQL $N3_SQL"
}

down() {
    [ -d "$BED" ] || return 0
    stop_httpd "$BED/front-a"; stop_httpd "$BED/front-b"
    stop_httpd "$BED/front-c"      # 50_commit_cut.t's, if it was left running
    # the joiners first, the node that bootstrapped last
    stop_node 3; stop_node 2; stop_node 1
}

tests() {
    ports
    export GALERA_BED=$BED GALERA_BED_SCRIPT=$TOP/t/galera/bed.sh
    prove -I "$TOP/t/lib" "$TOP"/t/galera/*.t
}

cmd=${1:-all}
case $cmd in
up) up ;;
down) down ;;
test) tests ;;
all)
    trap down EXIT
    up
    status=0
    tests || status=1
    down
    # the data (some 400 MB) is kept for a look only when something failed
    [ "$status" = 0 ] && rm -rf "$BED/n1" "$BED/n2" "$BED/n3"
    exit $status ;;
kill) ports; kill_node "$2" ;;
start) ports; start_node "$2" ;;
sql) ports; n=$2; shift 2; node_sql "$n" "$@" ;;
*) die "usage: $0 [all|up|test|down|kill N|start N|sql N ...]" ;;
esac
