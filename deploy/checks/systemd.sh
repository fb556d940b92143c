#!/usr/bin/env bash
# systemd-analyze verify on a unit file, failing on anything it reports. verify exits 0 after
# "Unknown key" or "Failed to parse" warnings (systemd ignores such lines and starts the unit
# without them), so any output at all counts as a failure here.
#
#   systemd.sh UNIT WINNOW_BINARY
#
# verify also requires ExecStart's program to exist: the unit installs it as
# /usr/local/bin/winnow, so a copy of the unit points there at the binary just built instead.
set -euo pipefail
unit="${1:?usage: systemd.sh UNIT WINNOW_BINARY}"
binary="$(realpath "${2:?usage: systemd.sh UNIT WINNOW_BINARY}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/usr/local/bin/winnow ' "$unit" \
  || { echo "systemd: $unit: ExecStart is not /usr/local/bin/winnow, where its install notes put it" >&2; exit 1; }
sed "s#^ExecStart=/usr/local/bin/winnow #ExecStart=$binary #" "$unit" >"$work/$(basename "$unit")"
out="$(systemd-analyze verify --man=no "$work/$(basename "$unit")" 2>&1)" || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "$out" >&2; exit 1; }
