# multus-swift — build, test, demo, bench.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)
RELEASE_BIN := .build/release/multus-swift

.PHONY: all build release test demo bench deps clean

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

clean:
	rm -rf .build
