# Shared by add-unit.sh and add-bridge.sh (sourced, not run). SPDX-License-Identifier: GPL-3.0-or-later
#
#   replace_block ACL_FILE MARKER < BLOCK
#
# Drops the block that starts with a line beginning with MARKER (up to the next blank
# line), if any, and appends BLOCK (which starts with its marker line). The file is
# rewritten in place, so it keeps the owner and mode mosquitto reads it with.
replace_block() {
  _acl=$1 _marker=$2
  _kept=$(mktemp)
  awk -v marker="$_marker" '
    index($0, marker) == 1 { skipping = 1 }
    skipping && $0 == "" { skipping = 0; next }
    !skipping { print }
  ' "$_acl" > "$_kept"
  cat >> "$_kept"
  cat "$_kept" > "$_acl"
  rm -f "$_kept"
}
