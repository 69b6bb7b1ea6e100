#!/bin/sh
# Make a fleet CA, the broker's certificate and one client certificate per unit and per
# audience bridge, and an operators' CA with one certificate per operator role.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   etc/mosquitto/make-certs.sh DIR BROKER_HOST [UNIT ...] [-- ROLE ... bridge-NAME ...]
#
# DIR/ca.crt goes to every unit (mqtt.ca_file), every operator and the broker;
# DIR/broker.{crt,key} to the broker; DIR/UNIT.crt to the unit (mqtt.cert_file) and
# DIR/UNIT.key into its secrets (the secret named by mqtt.key_secret holds the key
# file's path). Names after `--` are ACL roles (operator, homeassistant): their
# certificates come from a second CA, DIR/operators/ca.crt, the only one the broker's
# operators' listener accepts, so no unit certificate or password gets in there.
# DIR/operators/ROLE.{crt,key} go to livehostctl (cert_file, key_file) or Home
# Assistant. Names after `--` that start with bridge- are audience bridges: signed by
# the fleet CA (DIR/bridges/bridge-NAME.{crt,key}, CN bridge-NAME), for the units'
# certificate listener, which binds their client id to the CN, so a bridge cannot take
# a unit's session; give each its ACL block with add-bridge.sh. Keep both ca.key files
# offline. EC P-256 keys: quick to make and cheap for a small board to use.
set -eu
dir=$1 host=$2
shift 2
units="" roles="" bridges="" after_dash=""
for name in "$@"; do
  if [ "$name" = -- ]; then
    after_dash=1
  elif [ -z "$after_dash" ]; then
    units="$units $name"
  elif [ "$name" = bridge ]; then
    echo "make-certs.sh: a bridge is named bridge-NAME (one per bridge, add-bridge.sh)" >&2
    exit 2
  else
    case $name in
      bridge-*) bridges="$bridges $name" ;;
      *) roles="$roles $name" ;;
    esac
  fi
done
mkdir -p "$dir"
cd "$dir"
umask 077
ca() {  # ca FOLDER SUBJECT: a CA in FOLDER, unless one is there already
  if [ ! -f "$1/ca.key" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "$2" -keyout "$1/ca.key" -out "$1/ca.crt" 2>/dev/null
  fi
  chmod 644 "$1/ca.crt"
}
sign() {  # sign CA_FOLDER NAME SUBJECT EXTENSIONS: NAME.{key,crt} signed by that CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
    -keyout "$2.key" -out "$2.csr" 2>/dev/null
  printf '%s\n' "$4" > "$2.ext"
  openssl x509 -req -in "$2.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -CAcreateserial \
    -days 825 -extfile "$2.ext" -out "$2.crt" 2>/dev/null
  rm -f "$2.csr" "$2.ext"
}
ca . "/CN=livehost fleet CA"
case $host in
  *[!0-9.]*) san="DNS:$host" ;;
  *) san="IP:$host" ;;
esac
sign . broker "/CN=$host" "subjectAltName=$san,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
chmod 644 broker.crt
for unit in $units; do
  sign . "$unit" "/CN=$unit" "extendedKeyUsage=clientAuth"
done
if [ -n "$bridges" ]; then
  mkdir -p bridges
  for bridge in $bridges; do
    sign . "bridges/$bridge" "/CN=$bridge" "extendedKeyUsage=clientAuth"
  done
fi
if [ -n "$roles" ]; then
  mkdir -p operators
  chmod 755 operators  # the broker reads operators/ca.crt
  ca operators "/CN=livehost operators CA"
  for role in $roles; do
    sign operators "operators/$role" "/CN=$role" "extendedKeyUsage=clientAuth"
  done
fi
