#!/usr/bin/env bash
# Builds the service image with buildah (Debian's, daemonless) and runs `winnow inspect` in it.
#
#   deploy/build-image.sh WINNOW_BINARY [TAG]        (`make image`; TAG defaults to winnow:latest)
#
# Where the Dockerfile's base images can be pulled, deploy/Dockerfile is built as it is. Where
# they cannot (machines that reach only Debian's mirror and PyPI: no container registry, and no
# Swift toolchain image), the build stage is replaced by WINNOW_BINARY, built as that stage builds
# it (--static-swift-stdlib), plus librdkafka from /usr/local/lib as its RUN line copies it; the
# runtime stage is taken verbatim, on a base imported from the debootstrap minbase root file
# system of deploy/checks/bookworm-rootfs.sh instead of debian:bookworm-slim.
#
# Storage defaults to vfs (STORAGE_DRIVER): it needs no overlay mounts, which containers such as
# CI's do not always allow. RUN steps use chroot isolation and the host's network for the same reason.
set -euo pipefail
binary="$(realpath "${1:?usage: build-image.sh WINNOW_BINARY [TAG]}")"
tag="${2:-winnow:latest}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export STORAGE_DRIVER="${STORAGE_DRIVER:-vfs}"
[ "$(id -u)" -eq 0 ] || { echo "build-image: run as root (buildah with chroot isolation)" >&2; exit 2; }
dpkg-query -W -f='${Status}' buildah 2>/dev/null | grep -q "install ok installed" || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends buildah; }

bases=($(awk '$1 == "FROM" {print $2}' "$root/deploy/Dockerfile"))
pullable=1
for image in "${bases[@]}"; do
  timeout 120 buildah pull -q "$image" >/dev/null 2>&1 || { pullable=0; echo "build-image: cannot pull $image" >&2; }
done

if [ "$pullable" = 1 ]; then
  buildah bud --isolation chroot --network host -f "$root/deploy/Dockerfile" -t "$tag" "$root"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # The runtime stage's base, from the same debootstrap the chroot check uses.
  rootfs="$(bash "$here/checks/bookworm-rootfs.sh")"
  base="localhost/winnow-bookworm-minbase:latest"
  if ! buildah inspect "$base" >/dev/null 2>&1; then
    container="$(buildah from scratch)"
    tar -C "$rootfs" --exclude=./.winnow-complete -cf - . | tar -C "$(buildah mount "$container")" -xf -
    buildah umount "$container" >/dev/null
    buildah commit -q "$container" "$base" >/dev/null
    buildah rm "$container" >/dev/null
  fi
  mkdir -p "$work/out/lib"
  install -m 0755 "$binary" "$work/out/winnow"
  cp -P /usr/local/lib/librdkafka.so* "$work/out/lib/" 2>/dev/null || true
  {
    echo "FROM scratch AS build"
    echo "COPY out/ /out/"
    awk -v base="$base" 'found || /^FROM debian:bookworm-slim/ {
      if (!found) { print "FROM " base; found = 1; next } print }' "$root/deploy/Dockerfile"
  } >"$work/Dockerfile"
  grep -q "^FROM $base" "$work/Dockerfile" \
    || { echo "build-image: the runtime stage is no longer FROM debian:bookworm-slim" >&2; exit 1; }
  buildah bud --isolation chroot --network host --pull=never -f "$work/Dockerfile" -t "$tag" "$work"
fi

# The image's user runs the image's binary on the demo model, mounted as a deployment mounts one.
container="$(buildah from -q --pull=never "$tag")"
trap 'buildah rm "$container" >/dev/null 2>&1 || true; rm -rf "${work:-/nonexistent}"' EXIT
buildah run --isolation chroot -v "$root/deploy/local/demo-model:/model:ro" "$container" -- \
  /usr/local/bin/winnow inspect --model /model --max-length 2048
echo "build-image: $tag built; export it with: buildah push $tag oci-archive:winnow.tar" >&2
