#!/usr/bin/env bash
# Makes (once) and prints the path of a Debian bookworm root file system, debootstrap's minbase
# variant: what debian:bookworm-slim, the Dockerfile's runtime base, is built from. No container
# engine runs on these machines, so image.sh builds the runtime stage on a copy of it in a chroot.
#
#   bookworm-rootfs.sh            prints the directory
#
# Cached under $WINNOW_DEPLOY_CACHE (default /var/cache/winnow/deploy), outside the clone, so later
# runs on the same machine reuse it (debootstrap takes minutes); a fresh machine makes it here.
# Made in a temporary directory and renamed, so an interrupted run never leaves half a cache.
set -euo pipefail
cache="${WINNOW_DEPLOY_CACHE:-/var/cache/winnow/deploy}"
rootfs="$cache/bookworm-minbase"
[ "$(id -u)" -eq 0 ] || { echo "bookworm-rootfs: debootstrap and chroot need root" >&2; exit 2; }
if [ -f "$rootfs/.winnow-complete" ]; then echo "$rootfs"; exit 0; fi

# The Debian mirror this machine already uses (deb822 .sources or sources.list), else Debian's.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror="$(awk '/^URIs:/ {u=$2} /^Suites:/ && /bookworm( |$)/ && u != "" {print u; exit}' "$f")"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" && $0 ~ / bookworm / {for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}')"
fi
[ -n "$mirror" ] || { echo "bookworm-rootfs: no Debian bookworm mirror in this machine's apt sources" >&2; exit 1; }

mkdir -p "$cache"
rm -rf "$rootfs" "$cache"/bookworm-minbase.tmp.*
tmp="$(mktemp -d "$cache/bookworm-minbase.tmp.XXXXXX")"
chmod 0755 "$tmp"   # it becomes the image's /: mktemp's 0700 would lock every other user out
trap 'rm -rf "$tmp"' EXIT
echo "bookworm-rootfs: debootstrap --variant=minbase bookworm (once per machine; cache $rootfs)" >&2
debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 \
  || { tail -n 30 "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
rm -f "$tmp.log"
# The suites debian:bookworm-slim has: bookworm, bookworm-updates and bookworm-security (the last
# from wherever this machine gets it; left out when it has none).
security=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  security="$(awk '/^URIs:/ {u=$2} /^Suites:/ && /bookworm-security/ && u != "" {print u; exit}' "$f")"
  [ -n "$security" ] && break
done
{
  echo "deb $mirror bookworm bookworm-updates main"
  [ -z "$security" ] || echo "deb $security bookworm-security main"
} >"$tmp/etc/apt/sources.list"
# Like the official image: no downloaded package lists or .debs kept in it.
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/archives/*.deb
touch "$tmp/.winnow-complete"
mv "$tmp" "$rootfs"
trap - EXIT
echo "$rootfs"
