# multus-swift — build, test, demo, bench.
SWIFTPM ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)
# SwiftPM leaves TemporaryDirectory.* folders in $$TMPDIR on every call: they
# go under .build (removed with it), not /tmp. The tests' own folders are in /tmp.
SWIFTPM_TMP := $(CURDIR)/.build/tmp
$(shell mkdir -p $(SWIFTPM_TMP))
SWIFT = TMPDIR=$(SWIFTPM_TMP) $(SWIFTPM)
RELEASE_BIN := .build/release/multus-swift

.PHONY: all build release test demo bench deps clean fuzz fuzz-smoke fuzz-build

all: build

# Debian packages the build, the tests and the demo need (apt; idempotent).
deps:
	@scripts/install-deps.sh

build:
	$(SWIFT) build

# One fully static executable: no Swift runtime, no libnl needed on the host.
release:
	$(SWIFT) build -c release -Xswiftc -static-executable --product multus-swift
	strip $(RELEASE_BIN)
	@file -L $(RELEASE_BIN) | grep -q "statically linked" || { echo "release binary is not static"; exit 1; }
	@ls -l $(RELEASE_BIN)

# Every unit test in one run, then end to end against the reference plugins,
# the API server double, podman and containerd (root needed for those), with
# the static release binary.
test: deps release
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip Conformance
	MULTUS_SWIFT_BIN=$(CURDIR)/$(RELEASE_BIN) $(SWIFT) test --skip-build --filter Conformance

demo: deps release
	@scripts/demo.sh $(RELEASE_BIN)

# Side by side with Go Multus when GO_MULTUS_SRC names its source (a bare
# mirror or a checkout of multus-cni); multus-swift alone otherwise.
bench: deps release
	$(SWIFT) build -c release -Xswiftc -static-executable --product kube-api-double
	@GO_MULTUS_SRC=$(GO_MULTUS_SRC) scripts/bench.sh $(RELEASE_BIN)

# libFuzzer harnesses for every parser of untrusted bytes (Fuzz/, see the
# README): each runs FUZZ_SECONDS and any crash fails. HARNESS="json yaml"
# picks some. Built with MULTUS_SWIFT_FUZZ=1 into .build-fuzz, instrumented
# (-sanitize=fuzzer,address), so the normal build never sees them.
FUZZ_SECONDS ?= 20
FUZZ_SMOKE_SECONDS ?= 10
HARNESS ?=
FUZZ_BUILD = MULTUS_SWIFT_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz

fuzz-build:
	@if [ -z "$(HARNESS)" ]; then $(FUZZ_BUILD); \
	else for h in $(HARNESS); do $(FUZZ_BUILD) --product fuzz-$$h || exit 1; done; fi

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh $(HARNESS)

# What CI runs after `make test`: every harness, briefly.
fuzz-smoke: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) Fuzz/run.sh $(HARNESS)

clean:
	rm -rf .build .build-fuzz
