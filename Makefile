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
manifests: ## Regenerate the CRDs in crds/, the operator's ClusterRole and Role in config/rbac/ and their copies in charts/metaevolve/ from the code.
	$(DOTNET) run --project tools/MetaEvolve.Manifests -- $(CURDIR)

.PHONY: verify-manifests
verify-manifests: manifests ## Fail when the checked-in manifests differ from what the code generates.
	@git diff --exit-code -- crds/ config/rbac/ charts/metaevolve/templates/generated/ && test -z "$$(git ls-files --others --exclude-standard -- crds/ config/rbac/ charts/metaevolve/templates/generated/)" || { echo "crds/, config/rbac/ or charts/metaevolve/templates/generated/ is stale: run 'make manifests' and commit the result"; exit 1; }

.PHONY: lint
lint: ## Check formatting against .editorconfig.
	$(DOTNET) format MetaEvolve.sln --verify-no-changes

.PHONY: test
test: ## Build, install helm and lua5.1 (hack/tools.sh), start the local services, run every test project, stop the services.
	hack/test.sh

.PHONY: test-unit
test-unit: build ## The fast loop: only the tests that need no NATS, PostgreSQL or Redis (starts no services).
	METAEVOLVE_TEST_TIER=unit $(DOTNET) test --solution MetaEvolve.sln --no-build -- --filter-not-trait "Needs=Services" --ignore-exit-code 8

##@ Packaging

CHART := charts/metaevolve

.PHONY: chart-lint
chart-lint: ## helm lint --strict and render the chart with the defaults and with every option on (pinned helm into bin/).
	@helm="$$(hack/tools.sh helm)" \
	  && "$$helm" lint --strict $(CHART) \
	  && "$$helm" lint --strict $(CHART) --values $(CHART)/ci/all-on-values.yaml \
	  && "$$helm" template metaevolve $(CHART) --namespace metaevolve-system >/dev/null \
	  && "$$helm" template metaevolve $(CHART) --namespace metaevolve-system --values $(CHART)/ci/all-on-values.yaml >/dev/null \
	  && echo "chart-lint: $(CHART) lints and renders with the defaults and with every option on"

.PHONY: e2e-helm
e2e-helm: ## The chart installed by the real helm into the dev control plane, end to end: samples Ready, skill calls, upgrade under load (no task lost), uninstall clean. One line.
	hack/e2e-helm.sh

.PHONY: images
images: ## Build ghcr.io/metaevolve/{operator,agent-runtime,gateway}:<version> offline into artifacts/images/*.tar (OCI archives).
	hack/images.sh

.PHONY: images-test
images-test: ## Run each image of `make images` under chroot: non-root user, --version, /healthz against the local services.
	eval "$$(hack/services.sh up)" && hack/images-test.sh

##@ Run

.PHONY: run
run: build ## Run MetaEvolve locally in the foreground: services, dev control plane, runner, operator, gateway, CRDs, samples (Ctrl+C stops).
	$(DOTNET) run --no-build --project cli/MetaEvolve.Cli -- dev up

.PHONY: install-cli
install-cli: ## Pack the CLI as a .NET tool and install `metaevolve` globally (TOOL_PATH=<dir> installs it there instead).
	hack/install-cli.sh

.PHONY: run-operator
run-operator: ## Run the operator against the current kubeconfig and the local services (leader-elected, metrics on :8081, external metrics API on 127.0.0.1:6443).
	Operator__ExternalMetrics__LoopbackOnly=true $(DOTNET) run --project operator/MetaEvolve.Operator.Host -- --urls http://127.0.0.1:8081

##@ Benchmarks (each prints its figures as ratios against a baseline measured in the same run)

.PHONY: bench
bench: bench-runtime bench-skills bench-gateway bench-operator ## Run every benchmark.

.PHONY: bench-runtime
bench-runtime: ## Task pipeline vs raw NATS.Net + Npgsql (50,000 system.echo tasks) with its stage breakdown, worker start-up vs a fetch-one console app, skill reload latency over three workers, idle worker memory; a chat task's p50 with budgets and streaming on vs off; an agent-authored skill's approval and rollback until three workers serve it (real operator; BENCH_ARGS="--only evolution" runs just those).
	$(DOTNET) build -c Release agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	# The measured worker is compiled ahead of time (ReadyToRun) as the agent-runtime image is.
	$(DOTNET) publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -nologo -v:quiet agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	$(DOTNET) build -c Release operator/MetaEvolve.Operator.Host/MetaEvolve.Operator.Host.csproj
	$(DOTNET) build -c Release bench/MetaEvolve.Bench.Runtime/MetaEvolve.Bench.Runtime.csproj
	eval "$$(hack/services.sh up)" && $(DOTNET) bench/MetaEvolve.Bench.Runtime/bin/Release/net10.0/MetaEvolve.Bench.Runtime.dll $(BENCH_ARGS)

.PHONY: bench-skills
bench-skills: ## Skills engine: cold compile, stored load, call overhead vs a direct call, a call through a skill host vs in-process, host start, memory over 1,000 reloads.
	$(DOTNET) run -c Release --project bench/MetaEvolve.Bench.Skills

.PHONY: bench-gateway
bench-gateway: ## system.echo through the gateway (one POST ?wait per task) vs straight to JetStream + result notice; two replicas vs one, with CPU use.
	$(DOTNET) build -c Release agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	$(DOTNET) build -c Release gateway/MetaEvolve.Gateway/MetaEvolve.Gateway.csproj
	$(DOTNET) build -c Release bench/MetaEvolve.Bench.Gateway/MetaEvolve.Bench.Gateway.csproj
	eval "$$(hack/services.sh up)" && $(DOTNET) bench/MetaEvolve.Bench.Gateway/bin/Release/net10.0/MetaEvolve.Bench.Gateway.dll $(BENCH_ARGS)

.PHONY: bench-operator
bench-operator: ## Operator cold start over 1,000 pools + agents vs bare clients, its requests, idle writes, peak memory; scale-from-zero activation.
	# The worker that activation starts is compiled ahead of time (ReadyToRun) as the agent-runtime image is.
	$(DOTNET) publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -nologo -v:quiet agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	$(DOTNET) build -c Release operator/MetaEvolve.Operator.Host/MetaEvolve.Operator.Host.csproj
	$(DOTNET) build -c Release bench/MetaEvolve.Bench.Operator/MetaEvolve.Bench.Operator.csproj
	eval "$$(hack/services.sh up)" && $(DOTNET) bench/MetaEvolve.Bench.Operator/bin/Release/net10.0/MetaEvolve.Bench.Operator.dll $(BENCH_ARGS)

##@ Faults

.PHONY: chaos
chaos: ## Faults under load on real processes and its own NATS/PostgreSQL/Redis (ports 24222/28222/25432/26379): worker, gateway and operator kills, server restarts, a U+0000 result, a region failover (two nats-servers of its own on free ports); exits 1 if a task is lost or run twice (CHAOS_ARGS passes options).
	$(DOTNET) build -c Release agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj
	$(DOTNET) build -c Release gateway/MetaEvolve.Gateway/MetaEvolve.Gateway.csproj
	$(DOTNET) build -c Release operator/MetaEvolve.Operator.Host/MetaEvolve.Operator.Host.csproj
	$(DOTNET) build -c Release bench/MetaEvolve.Bench.Chaos/MetaEvolve.Bench.Chaos.csproj
	$(DOTNET) bench/MetaEvolve.Bench.Chaos/bin/Release/net10.0/MetaEvolve.Bench.Chaos.dll $(CHAOS_ARGS)

##@ Local services (NATS JetStream, PostgreSQL, Redis on loopback)

.PHONY: services-up
services-up: ## Install (apt) and start the local services; prints their connection settings.
	hack/services.sh up

.PHONY: services-down
services-down: ## Stop the local services this checkout started.
	hack/services.sh down

.PHONY: services-clean
services-clean: ## Stop the local services and delete their state (streams, buckets, databases) for a fresh start.
	hack/services.sh clean

.PHONY: services-status
services-status: ## Show whether each local service runs.
	hack/services.sh status

##@ Cluster

.PHONY: install
install: ## Install the CRDs into the cluster of the current kubeconfig context.
	$(KUBECTL) apply -f crds/

.PHONY: install-external-metrics
install-external-metrics: ## Register the operator as the cluster's external.metrics.k8s.io adapter (optional: not where KEDA or prometheus-adapter owns it).
	$(KUBECTL) apply -f config/external-metrics/

.PHONY: uninstall-external-metrics
uninstall-external-metrics: ## Remove the operator's external.metrics.k8s.io APIService and Service.
	$(KUBECTL) delete --ignore-not-found -f config/external-metrics/

.PHONY: uninstall
uninstall: ## Remove the CRDs (and with them every Agent, Skill and AgentPool) from the cluster.
	$(KUBECTL) delete --ignore-not-found -f crds/

.PHONY: clean
clean: ## Remove build output.
	$(DOTNET) clean MetaEvolve.sln
	rm -rf .test-results
