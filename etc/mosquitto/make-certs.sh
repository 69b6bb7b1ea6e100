#!/bin/sh
# Make a fleet CA, the broker's certificate and one client certificate per unit.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   etc/mosquitto/make-certs.sh DIR BROKER_HOST [UNIT ...]
#
# DIR/ca.crt goes to every unit (mqtt.ca_file) and the broker; DIR/broker.{crt,key} to
# the broker; DIR/UNIT.crt to the unit (mqtt.cert_file) and DIR/UNIT.key into its
# secrets (the secret named by mqtt.key_secret holds the key file's path). Keep ca.key
# offline. EC P-256 keys: quick to make and cheap for a small board to use.
set -eu
dir=$1 host=$2
shift 2
mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -f ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=livehost fleet CA" -keyout ca.key -out ca.crt 2>/dev/null
fi
sign() {  # sign NAME SUBJECT EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
case $host in
  *[!0-9.]*) san="DNS:$host" ;;
  *) san="IP:$host" ;;
esac
sign broker "/CN=$host" "subjectAltName=$san,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
for unit in "$@"; do
  sign "$unit" "/CN=$unit" "extendedKeyUsage=clientAuth"
done
chmod 644 ca.crt broker.crt
