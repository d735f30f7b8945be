# portcullis — see README.md. `make run` to try it, `make test` to test it.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO          ?= go
BIN         := bin
ENVTEST_K8S := 1.37.2
CACHE_HOME  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)
ENVTEST_DIR := $(CACHE_HOME)/portcullis/envtest/$(ENVTEST_K8S)
CERT_MANAGER_VERSION := v1.21.2
PEBBLE_VERSION       := v2.10.3
CERT_MANAGER_DIR     := $(CACHE_HOME)/portcullis/cert-manager/$(CERT_MANAGER_VERSION)-pebble-$(PEBBLE_VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 30s
GO_TEST_TIMEOUT ?= 30m
NGINX_PKGS  := nginx-light libnginx-mod-stream curl openssl
NGINX_MODULES ?= $(or $(PORTCULLIS_NGINX_MODULES),/usr/lib/nginx/modules)

export KUBEBUILDER_ASSETS ?= $(ENVTEST_DIR)
export PORTCULLIS_CERT_MANAGER ?= $(CERT_MANAGER_DIR)

.PHONY: build test test-unit run lint bench bench-smoke fuzz manifests envtest-bin cert-manager-bin deps nginx-deps clean

build: ## build bin/portcullis
	$(GO) build -o $(BIN)/portcullis ./cmd/portcullis

test: deps ## everything: unit, envtest integration, nginx end-to-end, one iteration of each benchmark
	$(GO) test -tags e2e -count=1 -timeout $(GO_TEST_TIMEOUT) ./...
	$(MAKE) --no-print-directory bench-smoke

bench-smoke: ## each benchmark for one iteration (generated clusters of 200 Ingresses), so none rots (no timing is checked)
	PORTCULLIS_BENCH_INGRESSES=200 $(GO) test -tags e2e -count=1 -run '^$$' -bench . -benchtime 1x -timeout $(GO_TEST_TIMEOUT) ./...

test-unit: ## unit tests only; no kube-apiserver, etcd or nginx needed
	$(GO) test -count=1 ./...

run: build envtest-bin cert-manager-bin ## start the local dev stack (portcullis dev)
	$(BIN)/portcullis dev

lint: ## gofmt, go vet, staticcheck
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags e2e ./...

BENCH   ?= .
PKG     ?= ./...
PROFILE ?=

bench: deps ## every benchmark (BENCH=regexp PKG=./dir to choose; PROFILE=1 with one PKG writes bench-profiles/)
	@if [[ -n "$(PROFILE)" ]]; then \
	  mkdir -p bench-profiles; \
	  $(GO) test -tags e2e -p 1 -run '^$$' -bench '$(BENCH)' -benchmem $(PKG) \
	    -cpuprofile bench-profiles/cpu.out -memprofile bench-profiles/mem.out -o bench-profiles/bench.test; \
	  echo "profiles: go tool pprof bench-profiles/bench.test bench-profiles/cpu.out (or mem.out)"; \
	else \
	  $(GO) test -tags e2e -p 1 -run '^$$' -bench '$(BENCH)' -benchmem $(PKG); \
	fi

fuzz: ## each fuzz target for FUZZTIME (default 30s)
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
	  done; \
	done

manifests: ## regenerate generated docs and manifests
	$(GO) test ./lib/annotations/docgen -run TestAnnotationsDocUpToDate -update
	$(GO) test ./policies -run TestPoliciesDocInputExample -update
	$(GO) test ./manifests/install -run TestInstallYAMLIsCurrent -update
	$(GO) test ./charts -run TestChartCopiesAreCurrent -update

envtest-bin: $(ENVTEST_DIR)/kube-apiserver $(ENVTEST_DIR)/etcd ## build kube-apiserver and etcd; print KUBEBUILDER_ASSETS
	@echo $(ENVTEST_DIR)

# The tool module pins k8s.io/kubernetes and etcd; binaries are built once per
# version into the user cache, written to a temporary name and renamed.
$(ENVTEST_DIR)/kube-apiserver:
	@mkdir -p $(ENVTEST_DIR)
	cd test/tools && $(GO) build -o $@.tmp k8s.io/kubernetes/cmd/kube-apiserver && mv $@.tmp $@

$(ENVTEST_DIR)/etcd:
	@mkdir -p $(ENVTEST_DIR)
	cd test/tools && $(GO) build -o $@.tmp go.etcd.io/etcd/server/v3 && mv $@.tmp $@

# cert-manager's own controllers (wired by test/certmanager/controller, which
# also runs its HTTP-01 solver for solver Pods), its CRDs, and Let's Encrypt's
# ACME test server with its DNS server: built once per version, rebuilt when
# the wiring changes.
CERT_MANAGER_SRC := $(wildcard test/certmanager/go.mod test/certmanager/go.sum test/certmanager/controller/*.go)

cert-manager-bin: $(CERT_MANAGER_DIR)/cert-manager-controller $(CERT_MANAGER_DIR)/pebble $(CERT_MANAGER_DIR)/pebble-challtestsrv $(CERT_MANAGER_DIR)/crds ## build cert-manager's controllers and the ACME test server; print their directory
	@echo $(CERT_MANAGER_DIR)

$(CERT_MANAGER_DIR)/cert-manager-controller: $(CERT_MANAGER_SRC)
	@mkdir -p $(CERT_MANAGER_DIR)
	cd test/certmanager && $(GO) build -o $@.tmp ./controller && mv $@.tmp $@

$(CERT_MANAGER_DIR)/pebble $(CERT_MANAGER_DIR)/pebble-challtestsrv: test/certmanager/go.mod
	@mkdir -p $(CERT_MANAGER_DIR)
	cd test/certmanager && $(GO) build -o $@.tmp github.com/letsencrypt/pebble/v2/cmd/$(notdir $@) && mv $@.tmp $@

$(CERT_MANAGER_DIR)/crds: test/certmanager/go.mod
	@mkdir -p $(CERT_MANAGER_DIR)
	rm -rf $@.tmp && mkdir $@.tmp
	cd test/certmanager && $(GO) mod download github.com/cert-manager/cert-manager && \
	  cp "$$($(GO) list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)"/deploy/crds/*.yaml $@.tmp/
	chmod 0644 $@.tmp/*.yaml && rm -rf $@ && mv $@.tmp $@

deps: envtest-bin cert-manager-bin nginx-deps ## everything the tests need

nginx-deps: ## nginx with the stream module, curl (the dev test runs the banner's commands) and openssl (lib/tlsciphers compares with it) (Debian packages)
	@if command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then \
	  if [[ -f $(NGINX_MODULES)/ngx_stream_module.so ]] && command -v curl >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then exit 0; fi; fi; \
	if [[ $$(id -u) -ne 0 ]]; then \
	  echo "nginx is missing: run  sudo apt-get install -y $(NGINX_PKGS)"; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y --no-install-recommends $(NGINX_PKGS) \
	  || { apt-get update && apt-get install -y --no-install-recommends $(NGINX_PKGS); }

clean:
	rm -rf $(BIN)
