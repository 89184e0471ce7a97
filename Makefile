# MetaEvolve — run `make help` for the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
KUBECTL ?= kubectl
DOTNET ?= dotnet

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: build
build: ## Build every project (warnings are errors).
	$(DOTNET) build MetaEvolve.sln

.PHONY: manifests
manifests: ## Regenerate the CRDs in crds/ and the operator ClusterRole in config/rbac/ from the code.
	$(DOTNET) run --project tools/MetaEvolve.Manifests -- $(CURDIR)

.PHONY: verify-manifests
verify-manifests: manifests ## Fail when the checked-in manifests differ from what the code generates.
	@git diff --exit-code -- crds/ config/rbac/ || { echo "crds/ or config/rbac/ is stale: run 'make manifests' and commit the result"; exit 1; }

.PHONY: lint
lint: ## Check formatting against .editorconfig.
	$(DOTNET) format MetaEvolve.sln --verify-no-changes

.PHONY: test
test: ## Build, start the local services, run every test project, stop the services.
	hack/test.sh

##@ Benchmarks

.PHONY: bench-gateway
bench-gateway: ## system.echo through the gateway (submit + ?wait) vs straight to JetStream + result notice; starts the local services.
	$(DOTNET) build -c Release agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	$(DOTNET) build -c Release gateway/MetaEvolve.Gateway/MetaEvolve.Gateway.csproj
	$(DOTNET) build -c Release bench/MetaEvolve.Bench.Gateway/MetaEvolve.Bench.Gateway.csproj
	eval "$$(hack/services.sh up)" && $(DOTNET) bench/MetaEvolve.Bench.Gateway/bin/Release/net10.0/MetaEvolve.Bench.Gateway.dll $(BENCH_ARGS)

##@ Run

.PHONY: run
run: ## Run MetaEvolve locally in the foreground: services, dev control plane, CRDs, samples (Ctrl+C stops).
	$(DOTNET) run --project cli/MetaEvolve.Cli -- dev up

##@ Benchmarks

.PHONY: bench-skills
bench-skills: ## Skills engine: cold compile, stored load, call overhead vs a direct call, memory over 1,000 reloads.
	$(DOTNET) run -c Release --project bench/MetaEvolve.Bench.Skills
.PHONY: run-operator
run-operator: ## Run the operator against the current kubeconfig and the local services (leader-elected, metrics on :8081).
	$(DOTNET) run --project operator/MetaEvolve.Operator -- --urls http://127.0.0.1:8081

##@ Local services (NATS JetStream, PostgreSQL, Redis on loopback)

.PHONY: services-up
services-up: ## Install (apt) and start the local services; prints their connection settings.
	hack/services.sh up

.PHONY: services-down
services-down: ## Stop the local services this checkout started.
	hack/services.sh down

.PHONY: services-status
services-status: ## Show whether each local service runs.
	hack/services.sh status

##@ Cluster

.PHONY: install
install: ## Install the CRDs into the cluster of the current kubeconfig context.
	$(KUBECTL) apply -f crds/

.PHONY: uninstall
uninstall: ## Remove the CRDs (and with them every Agent, Skill and AgentPool) from the cluster.
	$(KUBECTL) delete --ignore-not-found -f crds/

.PHONY: clean
clean: ## Remove build output.
	$(DOTNET) clean MetaEvolve.sln
	rm -rf .test-results
