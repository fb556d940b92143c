#!/usr/bin/env bash
# Builds the Dockerfile's runtime stage without a container engine, in a chroot, and runs the
# image's binary in it: `winnow inspect` on the demo model and `winnow score` on one of its
# groups, compared with the scores transformers computed (demo-model/expected.json). A shared
# library the runtime stage does not install makes the binary fail to start, and so this check.
#
#   image.sh DOCKERFILE WINNOW_BINARY
#
# WINNOW_BINARY is built as the Dockerfile's build stage builds it (--static-swift-stdlib; the
# Makefile's check-deploy does that into .build-static). The runtime stage is interpreted, not
# copied: FROM must be debian:bookworm-slim (a cached debootstrap minbase, bookworm-rootfs.sh),
# each RUN runs in the chroot with /bin/sh -c as Docker would, COPY --from=build takes the build
# stage's /out (the binary, and librdkafka.so* from /usr/local/lib as its RUN line copies it),
# USER is the user the checks run as. Anything else in the stage is refused, so a new instruction
# cannot go unchecked. The chroot's mounts live in a private mount namespace (unshare), so they
# vanish with it whatever happens.
set -euo pipefail
dockerfile="$(realpath "${1:?usage: image.sh DOCKERFILE WINNOW_BINARY}")"
binary="$(realpath "${2:?usage: image.sh DOCKERFILE WINNOW_BINARY}")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
demo="$here/../local/demo-model"
cache="${WINNOW_DEPLOY_CACHE:-/var/cache/winnow/deploy}"
[ "$(id -u)" -eq 0 ] || { echo "image: chroot needs root" >&2; exit 2; }

base="$(bash "$here/bookworm-rootfs.sh")"
work="$(mktemp -d "${TMPDIR:-/tmp}/winnow-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

# The build stage's /out, as its last RUN lines leave it.
mkdir -p "$work/out/lib"
install -m 0755 "$binary" "$work/out/winnow"
cp -P /usr/local/lib/librdkafka.so* "$work/out/lib/" 2>/dev/null || true

# The runtime stage: instructions after the last FROM, continuation lines joined.
stage="$work/stage"
awk '
  /^[[:space:]]*#/ { next }
  { line = line $0 }
  /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, " ", line); next }
  { if (line ~ /[^[:space:]]/) print line; line = "" }
' "$dockerfile" | awk '/^FROM /{buf=""} {buf = buf $0 "\n"} END {printf "%s", buf}' >"$stage"
from="$(head -n1 "$stage")"
[ "$from" = "FROM debian:bookworm-slim" ] \
  || { echo "image: runtime stage is '$from'; this check builds FROM debian:bookworm-slim only" >&2; exit 1; }

cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"   # Docker gives RUN the host's resolver too
mkdir -p "$cache/apt-archives/partial"         # .debs kept between runs: one download per machine

in_chroot() {  # in_chroot USERSPEC COMMAND: /bin/sh -c COMMAND in the image, as Docker runs it
  unshare --mount --propagation private /bin/bash -c '
    set -e
    root="$1"; cache="$2"; user="$3"; shift 3
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
    exec chroot --userspec="$user" "$root" /usr/bin/env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$1"
  ' in_chroot "$root" "$cache" "$1" "$2"
}

user="0:0"
entrypoint=""
while IFS= read -r instruction; do
  keyword="${instruction%% *}"
  rest="${instruction#* }"
  case "$keyword" in
    FROM) ;;
    RUN)
      echo "image: RUN ${rest:0:100}..." >&2
      in_chroot "$user" "$rest" >"$work/run.log" 2>&1 || { tail -n 20 "$work/run.log" >&2; echo "image: RUN failed" >&2; exit 1; }
      ;;
    COPY)
      read -r -a words <<<"$rest"
      [ "${#words[@]}" -eq 3 ] && [ "${words[0]}" = "--from=build" ] \
        || { echo "image: unsupported COPY: $rest" >&2; exit 1; }
      src="${words[1]}"; dst="${words[2]}"
      [[ "$src" == /out/* || "$src" == /out ]] || { echo "image: COPY from outside the build stage's /out: $src" >&2; exit 1; }
      from_path="$work/out${src#/out}"
      if [[ "$src" == */ ]]; then mkdir -p "$root$dst" && cp -a "$from_path". "$root$dst"
      else mkdir -p "$(dirname "$root$dst")" && cp -a "$from_path" "$root$dst"; fi
      ;;
    USER)
      uid="$rest"
      gid="$(awk -F: -v u="$uid" '$3 == u || $1 == u {print $4; exit}' "$root/etc/passwd")"
      uid="$(awk -F: -v u="$uid" '$3 == u || $1 == u {print $3; exit}' "$root/etc/passwd")"
      [ -n "$uid" ] || { echo "image: USER $rest does not exist in the image" >&2; exit 1; }
      user="$uid:${gid:-0}"
      ;;
    ENTRYPOINT) entrypoint="$rest" ;;
    EXPOSE|STOPSIGNAL|WORKDIR|LABEL) ;;   # no effect on whether the binary runs
    *) echo "image: the runtime stage has '$keyword', which this check does not interpret" >&2; exit 1 ;;
  esac
done <"$stage"

# The entrypoint's program, e.g. ["/usr/local/bin/winnow", "serve"] -> /usr/local/bin/winnow.
program="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])[0])' "$entrypoint")"
echo "image: built; running $program as $user" >&2

# The model is mounted read-only in a real deployment; here it is copied in, owned by root.
cp -r "$demo" "$root/model"
chmod -R a+rX "$root/model"
python3 - "$demo/expected.json" >"$root/model/group.jsonl" <<'PY'
import json, sys
group = json.load(open(sys.argv[1]))["groups"][0]
print(json.dumps({"id": "image", "prompt": group["prompt"], "candidates": group["candidates"]}))
PY

in_chroot "$user" "$program inspect --model /model --max-length 2048" >"$work/inspect.txt" 2>&1 \
  || { cat "$work/inspect.txt" >&2; echo "image: winnow inspect failed in the image" >&2; exit 1; }
# oneDNN (libdnnl2) is opened at run time, so only running int8 shows it is in the image.
grep -q -- "--compute int8: int8 (" "$work/inspect.txt" \
  || { cat "$work/inspect.txt" >&2; echo "image: --compute int8 is unavailable in the image (libdnnl2 missing?)" >&2; exit 1; }
in_chroot "$user" "$program score --model /model --max-length 2048 --input /model/group.jsonl" >"$work/score.jsonl" 2>"$work/score.err" \
  || { cat "$work/score.err" "$work/score.jsonl" >&2; echo "image: winnow score failed in the image" >&2; exit 1; }
python3 - "$demo/expected.json" "$work/score.jsonl" <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))["groups"][0]
got = json.loads(open(sys.argv[2]).read())
for mine, ref in zip(got["scores"], expected["scores"]):
    if abs(mine - ref) > 1e-3 * max(1.0, abs(ref)):
        sys.exit(f"image: score {mine} in the image, transformers {ref}")
if got["argmax"] != expected["argmax"] or len(got["scores"]) != len(expected["scores"]):
    sys.exit(f"image: {got} differs from transformers' {expected}")
print(f"image: winnow score in the image matches transformers: {got['scores']}", file=sys.stderr)
PY
