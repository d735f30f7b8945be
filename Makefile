# portcullis — see README.md. `make run` to try it, `make test` to test it.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO          ?= go
BIN         := bin
ENVTEST_K8S := 1.37.2
CACHE_HOME  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)
ENVTEST_DIR := $(CACHE_HOME)/portcullis/envtest/$(ENVTEST_K8S)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 30s
GO_TEST_TIMEOUT ?= 30m
NGINX_PKGS  := nginx-light libnginx-mod-stream curl
NGINX_MODULES ?= $(or $(PORTCULLIS_NGINX_MODULES),/usr/lib/nginx/modules)

export KUBEBUILDER_ASSETS ?= $(ENVTEST_DIR)

.PHONY: build test test-unit run lint bench bench-smoke fuzz manifests envtest-bin deps nginx-deps clean

build: ## build bin/portcullis
	$(GO) build -o $(BIN)/portcullis ./cmd/portcullis

test: deps ## everything: unit, envtest integration, nginx end-to-end, one iteration of each benchmark
	$(GO) test -tags e2e -count=1 -timeout $(GO_TEST_TIMEOUT) ./...
	$(MAKE) --no-print-directory bench-smoke

bench-smoke: ## each benchmark for one iteration (generated clusters of 200 Ingresses), so none rots (no timing is checked)
	PORTCULLIS_BENCH_INGRESSES=200 $(GO) test -tags e2e -count=1 -run '^$$' -bench . -benchtime 1x -timeout $(GO_TEST_TIMEOUT) ./...

test-unit: ## unit tests only; no kube-apiserver, etcd or nginx needed
	$(GO) test -count=1 ./...

run: build envtest-bin ## start the local dev stack (portcullis dev)
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

deps: envtest-bin nginx-deps ## everything the tests need

nginx-deps: ## nginx with the stream module, and curl (the dev test runs the banner's commands) (Debian packages)
	@if command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then \
	  if [[ -f $(NGINX_MODULES)/ngx_stream_module.so ]] && command -v curl >/dev/null 2>&1; then exit 0; fi; fi; \
	if [[ $$(id -u) -ne 0 ]]; then \
	  echo "nginx is missing: run  sudo apt-get install -y $(NGINX_PKGS)"; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y --no-install-recommends $(NGINX_PKGS) \
	  || { apt-get update && apt-get install -y --no-install-recommends $(NGINX_PKGS); }

clean:
	rm -rf $(BIN)
