#!/usr/bin/env bash
# Install the Debian packages the tests need when they are missing: Chromium (browser tests),
# PostgreSQL with the PostGIS extension (PostGIS backend tests), DejaVu fonts and GDAL's
# command-line tools (ogrinfo/ogr2ogr, the OGC API – Features client tests).
# Needs root (or sudo); prints what to install otherwise.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="missing"; fi
fi
updated=""
install() {
  [ $# -gt 0 ] || return 0
  if [ "$SUDO" = "missing" ]; then
    echo "please install as root: apt-get install $*" >&2; exit 1
  fi
  echo "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$updated" ]; then $SUDO apt-get update -qq; updated=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
install "${need[@]+"${need[@]}"}"

# The PostGIS extension package is named after the server's major version (postgresql-15-postgis-3).
major=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
ls /usr/lib/postgresql/$major/lib/postgis-3*.so >/dev/null 2>&1 || install "postgresql-$major-postgis-3"
