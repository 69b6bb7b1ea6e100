#!/bin/sh
# Give one unit its block in the fleet ACL (livehost.acl), or rewrite the block it has.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   etc/mosquitto/add-unit.sh ACL_FILE SITE UNIT
#
# The block names the unit's site in every topic: mosquitto's ACL patterns know only
# the username (%u) and client id (%c), so a pattern could not keep a unit to its own
# site's group commands, nor out of other sites' topics. A unit's password (or its
# certificate, make-certs.sh) is separate: mosquitto_passwd PASSWD_FILE UNIT.
# Reload mosquitto afterwards (SIGHUP).
set -eu
. "$(dirname "$0")/acl-block.sh"
acl=$1 site=$2 unit=$3
name='^[a-z0-9_-]\{1,64\}$'  # unit.id and unit.site (docs/mqtt.md)
for value in "$site" "$unit"; do
  if ! printf '%s\n' "$value" | grep -q "$name"; then
    echo "add-unit.sh: '$value' is not a unit id or site (a-z 0-9 - _)" >&2
    exit 2
  fi
done
if [ "$unit" = all ] || [ "$site" = all ]; then
  echo "add-unit.sh: 'all' names a group, not a unit or site" >&2
  exit 2
fi
case $unit in
  bridge-*)  # a unit of that name would share the login, and the block, of a bridge
    echo "add-unit.sh: '$unit': names starting with bridge- are for bridges (add-bridge.sh)" >&2
    exit 2 ;;
esac

marker="# unit $unit (site"

base="livehost/$site/$unit"
replace_block "$acl" "$marker" <<EOF
$marker $site)
user $unit
topic write $base/availability
topic write $base/state
topic write $base/telemetry
topic write $base/snapshot
topic write $base/events
topic write $base/ack
topic read $base/cmd/+
topic read $base/ha/+/set
topic read livehost/$site/all/cmd/+
topic read livehost/all/cmd/+
topic read $base/audience
topic read livehost/$site/all/audience
topic write homeassistant/+/$unit/+/config

EOF
