#!/usr/bin/env bash
# Every check of deploy/, each proven able to fail on a broken copy; `make check-deploy` (and
# `make test`) run it. Ends with the line `deploy-checks: N passed, M failed`; exit 1 if M > 0.
#
#   deploy/checks/run.sh WINNOW_BINARY
#
# WINNOW_BINARY is built as deploy/Dockerfile builds it (swift build -c release --product winnow
# --static-swift-stdlib; the Makefile puts it in .build-static). Each step has a time limit, so a
# hung broker or mirror fails the run instead of stalling CI.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
winnow="$(realpath "${1:?usage: run.sh WINNOW_BINARY}")"
deploy="$root/deploy"
log="$(mktemp -d "${TMPDIR:-/tmp}/winnow-deploy-checks.XXXXXX")"
passed=0
failed=0

result() {  # result OK NAME [WHY]
  if [ "$1" = 0 ]; then echo "PASS $2"; passed=$((passed + 1))
  else echo "FAIL $2${3:+: $3}"; failed=$((failed + 1)); fi
}
# count: PASS/FAIL lines a Python check printed (its own sub-checks)
count() {
  local out="$1" status="$2" name="$3" lines
  cat "$out"
  lines="$(grep -cE '^(PASS|FAIL) ' "$out")"
  passed=$((passed + $(grep -c '^PASS ' "$out")))
  failed=$((failed + $(grep -c '^FAIL ' "$out")))
  # A check that died without saying what failed still fails.
  if [ "$status" != 0 ] && ! grep -q '^FAIL ' "$out"; then
    result 1 "$name" "exit status $status after $lines results"
  fi
}
# expect_failure NAME COMMAND...: the command must fail (a check proven able to fail)
expect_failure() {
  local name="$1"; shift
  if "$@" >"$log/expect.out" 2>&1; then result 1 "$name" "the check passed a broken input"
  else result 0 "$name"; fi
}

venv="$(timeout 600 bash "$here/install.sh")" || { result 1 "install the deploy-check tools"; echo "deploy-checks: $passed passed, $failed failed"; exit 1; }
python="$venv/bin/python"
bash "$root/deploy/local/fetch-tansu.sh" "$root/.local/tansu" >/dev/null

echo "== manifests.py: Kubernetes schemas, KEDA CRD, serve's flags and environment, probes, timings"
timeout 300 "$python" "$here/manifests.py" --winnow "$winnow" --deploy "$deploy" --self-test >"$log/manifests.out" 2>&1
count "$log/manifests.out" $? "manifests"

echo "== Dockerfile: hadolint $("$venv/bin/hadolint" --version | awk '{print $NF}')"
timeout 60 "$venv/bin/hadolint" --no-color "$deploy/Dockerfile" >"$log/hadolint.out" 2>&1
status=$?; [ $status = 0 ] || cat "$log/hadolint.out"
result $status "hadolint: deploy/Dockerfile"
# `cd` inside RUN (DL3003) and an untagged base image (DL3006) must be reported.
sed -e 's#^WORKDIR /src#RUN cd /src#' -e 's#^FROM debian:bookworm-slim#FROM debian#' "$deploy/Dockerfile" >"$log/Dockerfile.lint"
expect_failure "hadolint: fails on a Dockerfile with RUN cd and an untagged base" \
  timeout 60 "$venv/bin/hadolint" "$log/Dockerfile.lint"

echo "== systemd: systemd-analyze verify"
timeout 60 bash "$here/systemd.sh" "$deploy/systemd/winnow.service" "$winnow" >"$log/systemd.out" 2>&1
status=$?; [ $status = 0 ] || cat "$log/systemd.out"
result $status "systemd-analyze verify: deploy/systemd/winnow.service"
sed 's/^KillSignal=/KillSignall=/' "$deploy/systemd/winnow.service" >"$log/winnow.service"
expect_failure "systemd-analyze verify: fails on a misspelt directive" \
  timeout 60 bash "$here/systemd.sh" "$log/winnow.service" "$winnow"
sed 's/^Restart=on-failure/Restart=on-failur/' "$deploy/systemd/winnow.service" >"$log/winnow.service"
expect_failure "systemd-analyze verify: fails on a bad value" \
  timeout 60 bash "$here/systemd.sh" "$log/winnow.service" "$winnow"

echo "== image: the Dockerfile's runtime stage in a debootstrap chroot"
# Cold, debootstrap alone takes minutes; cached, the whole step takes under one.
timeout 900 bash "$here/image.sh" "$deploy/Dockerfile" "$winnow" >"$log/image.out" 2>&1
status=$?; [ $status = 0 ] || cat "$log/image.out"
result $status "image: winnow inspect and score run in the runtime stage (scores match transformers)"
grep -q 'libopenblas0-pthread ' "$deploy/Dockerfile" || result 1 "image: the runtime stage installs libopenblas0-pthread"
sed 's/libopenblas0-pthread //' "$deploy/Dockerfile" >"$log/Dockerfile.noblas"
if timeout 600 bash "$here/image.sh" "$log/Dockerfile.noblas" "$winnow" >"$log/noblas.out" 2>&1; then
  result 1 "image: fails without libopenblas0" "the binary ran in an image without OpenBLAS"
else
  grep -q 'libopenblas.so.0: cannot open shared object file' "$log/noblas.out"
  result $? "image: fails without libopenblas0 (the loader names libopenblas.so.0)" "$(tail -n 3 "$log/noblas.out")"
fi

echo "== TLS to the broker: stunnel in front of Tansu"
TANSU_BIN="$root/.local/tansu/tansu" timeout 600 "$python" "$here/tls.py" --winnow "$winnow" --deploy "$deploy" \
  >"$log/tls.out" 2>&1
count "$log/tls.out" $? "tls"

rm -rf "$log"
echo "deploy-checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
