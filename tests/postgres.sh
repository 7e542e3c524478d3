#!/usr/bin/env bash
# Private PostgreSQL clusters for the tests: made with initdb in a temp dir (as the
# `postgres` user when run as root: the server refuses to run as root), listening on
# 127.0.0.1 on a free port, and removed afterwards. Nothing of the machine's own clusters is
# touched.
#
#   tests/postgres.sh run CMD...   a cluster for CMD: HOOKGRID_TEST_DATABASE_URL is its URL;
#                                  removed whatever CMD did; exits with CMD's status
#   tests/postgres.sh init DIR     make and start a cluster in DIR (empty or missing); prints
#                                  its URL
#   tests/postgres.sh stop DIR     stop it (an outage), keeping its data
#   tests/postgres.sh start DIR    start it again, on the same port
#   tests/postgres.sh remove DIR   stop it and remove DIR
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "PostgreSQL's server is missing: install Debian's postgresql package (make deps does)" >&2
	exit 1
fi

as=()
[ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
# Run from the cluster's dir: the postgres user may not be able to enter the caller's.
pg() { (cd "$dir" && "${as[@]}" "$@"); }

start() {
	pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$(cat "$dir/port") -c unix_socket_directories=$dir -c max_connections=200" \
		start >/dev/null
}

stop() {
	pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

init() {
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	# Synced as on any server (fsync on): the tests check what an acknowledgement promises.
	pg "$bin/initdb" -D "$dir/data" -U hookgrid -A trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# A port nothing listens on; a race with another process taking it is retried.
	for attempt in 1 2 3 4 5; do
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$dir/port"
		start && break
		[ "$attempt" = 5 ] && { cat "$dir/server.log" >&2; exit 1; }
	done
	echo "postgres://hookgrid@127.0.0.1:$(cat "$dir/port")/postgres"
}

case "${1:-}" in
run)
	shift
	dir=$(mktemp -d /tmp/hookgrid-pg.XXXXXX)
	trap 'stop; rm -rf "$dir"' EXIT
	HOOKGRID_TEST_DATABASE_URL=$(init)
	export HOOKGRID_TEST_DATABASE_URL
	echo "PostgreSQL for the tests: $HOOKGRID_TEST_DATABASE_URL ($("$bin/postgres" --version))"
	set +e
	"$@"
	status=$?
	set -e
	exit $status
	;;
init | stop | start | remove)
	dir=${2:?"usage: tests/postgres.sh $1 DIR"}
	case $1 in
	init) init ;;
	stop) stop ;;
	start) start ;;
	remove)
		stop
		rm -rf "$dir"
		;;
	esac
	;;
*)
	echo "usage: tests/postgres.sh run CMD... | init|stop|start|remove DIR" >&2
	exit 2
	;;
esac
