#!/usr/bin/env bash
# Makes sure pkg-config `rdkafka` resolves to librdkafka >= 2.3.
#
# Why: Debian bookworm ships librdkafka 2.0.2, which mis-skips tagged fields in ApiVersions
# responses ("Read underflow") and so cannot talk to the Tansu broker the Kafka tests run against.
# librdkafka 2.8.0 works. It is built here from Debian's own trixie source package (no network
# besides the Debian mirror this machine already uses) and installed into PREFIX (default
# /usr/local), which pkg-config and the dynamic linker search before /usr.
#
# Idempotent: a machine whose pkg-config already reports >= 2.3 (a user's own librdkafka-dev, or a
# previous run of this script) pays only a pkg-config query.
set -euo pipefail

prefix="${LIBRDKAFKA_PREFIX:-/usr/local}"
min_version="2.3"
wanted_version="2.8.0"

# `sort -V` puts the smaller version first; "have >= min" when min sorts first (or they are equal).
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# Production brokers require TLS (security.protocol=SSL / SASL_SSL): the library must have been
# built with OpenSSL. builtin.features of the library pkg-config points at says so; without
# python3 (a bare build image), the libssl in its pkg-config requirements has to do.
has_ssl() {
  if ! command -v python3 >/dev/null; then
    pkg-config --print-requires-private rdkafka 2>/dev/null | grep -qx libssl
    return
  fi
  python3 - "$(pkg-config --variable=libdir rdkafka 2>/dev/null)" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(f"{sys.argv[1]}/librdkafka.so.1" if sys.argv[1] else "librdkafka.so.1")
lib.rd_kafka_conf_new.restype = ctypes.c_void_p
conf = ctypes.c_void_p(lib.rd_kafka_conf_new())
buf, size = ctypes.create_string_buffer(1024), ctypes.c_size_t(1024)
lib.rd_kafka_conf_get(conf, b"builtin.features", buf, ctypes.byref(size))
sys.exit(0 if "ssl" in buf.value.decode().split(",") else 1)
PY
}

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
have="$(pkg-config --modversion rdkafka 2>/dev/null || true)"
if [ -n "$have" ] && version_at_least "$have" "$min_version" && has_ssl; then
  exit 0
fi
echo "install-librdkafka: pkg-config rdkafka is '${have:-absent}' (need >= $min_version, with TLS); building $wanted_version into $prefix"

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

# Build tools and the libraries the configure flags below keep enabled (TLS and gzip).
build_deps=(build-essential pkg-config zlib1g-dev libssl-dev dpkg-dev)
missing=()
for p in "${build_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The mirror this machine already uses for Debian (deb822 .sources or one-line sources.list).
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
mirror="${mirror:-http://deb.debian.org/debian}"

# Only a deb-src entry: binary packages keep coming from bookworm.
src_list=/etc/apt/sources.list.d/winnow-trixie-src.sources
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -f "$src_list" ]; then
  {
    echo "# Added by winnow scripts/install-librdkafka.sh: source packages only (librdkafka $wanted_version)."
    echo "Types: deb-src"
    echo "URIs: $mirror"
    echo "Suites: trixie"
    echo "Components: main"
    [ -f "$keyring" ] && echo "Signed-By: $keyring"
  } | $sudo tee "$src_list" >/dev/null
fi

$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-librdkafka: installing build dependencies ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

work="$(mktemp -d)"
# apt-get downloads as the unprivileged user _apt when it may write the target directory.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
trap 'rm -rf "$work"' EXIT
cd "$work"
# The newest source package apt knows: trixie's (bookworm has no deb-src entry here).
# --download-only: unpack the upstream tarball ourselves, no dpkg-source patches are needed.
apt-get source --download-only -qq librdkafka
orig="$(ls librdkafka_*.orig.tar.* | head -n1)"
tar xf "$orig"
src="$(find . -maxdepth 1 -mindepth 1 -type d -name 'librdkafka*' | head -n1)"
cd "$src"

# Logs go outside the tree: mklove treats any ./configure.NAME file as a module to load.
log="$work/build.log"
# --enable-ssl: configure fails without OpenSSL (libssl-dev) instead of quietly leaving TLS out.
./configure --prefix="$prefix" --enable-ssl --disable-curl --disable-sasl --disable-zstd --disable-lz4-ext >"$log" 2>&1 \
  || { tail -n 40 "$log"; exit 1; }
make -C src -j"$(nproc)" >>"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
$sudo make -C src install >>"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
$sudo ldconfig

have="$(pkg-config --modversion rdkafka)"
version_at_least "$have" "$min_version" \
  || { echo "install-librdkafka: installed, but pkg-config still reports $have (is $prefix/lib/pkgconfig searched?)" >&2; exit 1; }
has_ssl || { echo "install-librdkafka: the installed librdkafka has no TLS support (builtin.features lacks ssl)" >&2; exit 1; }
echo "install-librdkafka: pkg-config rdkafka is now $have ($prefix), with TLS"
