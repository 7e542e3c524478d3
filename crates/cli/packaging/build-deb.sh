#!/bin/bash
# Builds the hookgrid-server .deb from a release binary: the binary, the systemd unit, the
# settings file (a conffile) and the service user. Usage: build-deb.sh BINARY VERSION OUT_DIR
set -euo pipefail
binary=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# Stripped: the symbols are most of the binary and nobody debugs from the package.
install -D -m 0755 -s "$binary" "$root/usr/bin/hookgrid"
install -D -m 0644 "$here/hookgrid.service" "$root/usr/lib/systemd/system/hookgrid.service"
install -D -m 0640 "$here/hookgrid.env" "$root/etc/hookgrid/hookgrid.env"
install -D -m 0644 "$here/hookgrid.sysusers" "$root/usr/lib/sysusers.d/hookgrid.conf"
install -D -m 0644 "$here/../../../README.md" "$root/usr/share/doc/hookgrid-server/README.md"
install -D -m 0644 "$here/../../../CHANGELOG.md" "$root/usr/share/doc/hookgrid-server/CHANGELOG.md"
# Reverse proxies in front of the review app and the webhook (README, "Run for a team").
install -D -m 0644 "$here/Caddyfile.example" "$root/usr/share/doc/hookgrid-server/examples/Caddyfile"
install -D -m 0644 "$here/nginx.conf.example" "$root/usr/share/doc/hookgrid-server/examples/nginx.conf"
mkdir -p "$root/DEBIAN"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
echo /etc/hookgrid/hookgrid.env > "$root/DEBIAN/conffiles"
# The newest glibc symbol the binary uses is the libc it needs (what dpkg-shlibdeps finds).
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: hookgrid-server
Version: $version
Architecture: $arch
Maintainer: Hookgrid <hookgrid@localhost>
Depends: libc6 (>= $glibc), adduser | systemd
Section: net
Priority: optional
Installed-Size: $size
Description: Hookgrid webhook listener for Flatfile imports (headless)
 Receives Flatfile Portal imports on a webhook, keeps every request in SQLite,
 reassembles each import and writes it as Parquet. Runs as the hookgrid.service
 systemd unit; the hookgrid command lists, queries and exports the imports.
 With HOOKGRID_REVIEW_LISTEN it also serves the review app to a team, behind
 sign-in, for browsers and the Hookgrid desktop app.
CONTROL
mkdir -p "$out"
dpkg-deb --build --root-owner-group "$root" "$out/hookgrid-server_${version}_${arch}.deb"
