#!/bin/sh
# Give one audience bridge its block in the fleet ACL (livehost.acl), or rewrite it.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   etc/mosquitto/add-bridge.sh ACL_FILE NAME [SITE]
#
# NAME is the bridge's login: bridge-<something>, the CN of its certificate from the
# fleet CA (make-certs.sh DIR HOST -- bridge-NAME) or its username with a password
# (mosquitto_passwd PASSWD_FILE NAME). It logs in on a units' listener (8884, or 8883),
# where the broker binds its client id to that name, so it cannot take a unit's session.
# The block lets it write audience topics only: SITE's (livehost/SITE/+/audience), or
# every site's without SITE. Reload mosquitto afterwards (SIGHUP).
set -eu
. "$(dirname "$0")/acl-block.sh"
acl=$1 name=$2 site=${3:-}
if ! printf '%s\n' "$name" | grep -q '^bridge-[a-z0-9_-]\{1,57\}$'; then
  echo "add-bridge.sh: '$name' is not a bridge name (bridge- then a-z 0-9 - _)" >&2
  exit 2
fi
if [ -n "$site" ]; then
  if ! printf '%s\n' "$site" | grep -q '^[a-z0-9_-]\{1,64\}$' || [ "$site" = all ]; then
    echo "add-bridge.sh: '$site' is not a site (a-z 0-9 - _, not 'all')" >&2
    exit 2
  fi
  topic="livehost/$site/+/audience" where="site $site"
else
  topic="livehost/+/+/audience" where="every site"
fi

marker="# bridge $name ("

replace_block "$acl" "$marker" <<EOT
$marker$where)
user $name
topic write $topic

EOT
