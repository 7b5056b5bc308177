# Node 24 comes from the `node` devDependency; putting node_modules/.bin first
# makes every target (and every process the tests spawn) run on it.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.DEFAULT_GOAL := help
.PHONY: help install build run run-operator lint typecheck test test-unit test-integration test-e2e bench bench-full chaos fuzz soak failover k8s-tools prom-tools prom-adapter-tools image image-push clean

help: ## Show this help
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## Install npm dependencies (npm ci)

build: install ## Compile TypeScript into build/
	npm run build

run: build ## Start one adapter on its embedded defaults (memory stores, RabbitMQ on localhost, MQTT on 1883)
	node build/adapter/src/main.js

run-operator: build ## Start the operator against the current kubeconfig
	node build/operator/src/main.js

lint: install ## ESLint and Prettier
	npm run lint

typecheck: install ## TypeScript strict type check
	npm run typecheck

test: install ## Lint, typecheck, then unit, integration and e2e tests (the e2e tests' Go tools build meanwhile)
	bash scripts/test.sh

test-unit: build ## Unit tests only
	npm run test:unit

test-integration: build ## Integration tests (real RabbitMQ, Redis, MQTT clients), a process per file, failing on leaks
	npm run test:integration

test-e2e: build ## Operator tests against a real kube-apiserver (builds it first)
	npm run test:e2e

k8s-tools: ## Build kube-apiserver, etcd, kube-controller-manager, kubectl and helm into .tools/ (cached)
	bash scripts/k8s-tools.sh

prom-tools: ## Build promtool (checks the chart's alerts and the adapter's metrics) and Prometheus into .tools/ (cached)
	bash scripts/prom-tools.sh

prom-adapter-tools: ## Build prometheus-adapter (runs the documented custom metrics rule) into .tools/ (cached)
	bash scripts/prom-adapter-tools.sh

# The image name is IMAGE_REGISTRY/IMAGE_REPOSITORY:IMAGE_TAG (tag: the package.json version when empty).
IMAGE_REGISTRY ?=
IMAGE_REPOSITORY ?= mqtt-adapter
IMAGE_TAG ?=
IMAGE_SCRIPT = IMAGE_REGISTRY='$(IMAGE_REGISTRY)' IMAGE_REPOSITORY='$(IMAGE_REPOSITORY)' IMAGE_TAG='$(IMAGE_TAG)' bash scripts/image.sh
image: ## Build the container image with docker, podman or buildah (IMAGE_REGISTRY, IMAGE_REPOSITORY, IMAGE_TAG)
	$(IMAGE_SCRIPT) build

image-push: ## Push the image `make image` built, with the same tool and name
	$(IMAGE_SCRIPT) push

clean: ## Remove build output
	rm -rf build

bench: build ## Quick side-by-side benchmark (< 12 min): adapter vs RabbitMQ MQTT plugin, Mosquitto, Aedes, raw AMQP
	scripts/bench-tools.sh
	node build/bench/main.js --profile quick

bench-full: build ## The whole benchmark matrix, 3 repetitions, into bench/results/<date>.md
	scripts/bench-tools.sh
	node build/bench/main.js --profile full

CHAOS_MINUTES ?= 5
CHAOS_PHASE ?=
FUZZ_PACKETS ?= 1000000
fuzz: build ## Mutated MQTT 3.1/3.1.1/5 packets (FUZZ_PACKETS, default 1000000; FUZZ_SEED replays) beside a numbered QoS 1 stream
	FUZZ_PACKETS=$(FUZZ_PACKETS) node build/bench/fuzz/main.js

chaos: build fuzz ## Replica faults on the shared Redis, then RabbitMQ node kills and Redis failovers on private ones, CHAOS_MINUTES each (default 5; CHAOS_PHASE=1|2 runs one): losses, wills, leftovers into bench/results/chaos-<date>.md
	CHAOS_MINUTES=$(CHAOS_MINUTES) CHAOS_PHASE=$(CHAOS_PHASE) node build/bench/chaos/main.js

SOAK_MINUTES ?= 30
soak: build ## SOAK_MINUTES (default 30) of 5,000 held connections, churn and 1,000 msg/s on a private RabbitMQ node and Redis: memory and broker-state slopes, losses, leftovers into bench/results/soak-<date>.md and .png
	ulimit -n "$$(ulimit -Hn)"; SOAK_MINUTES=$(SOAK_MINUTES) nice node build/bench/soak/main.js

failover: build ## Kill the Redis master under load (private Sentinel set, then Cluster): refusal window, losses, wills into bench/results/failover-<mode>-<date>.md
	flock /tmp/itest.lock node build/bench/failover/main.js --mode sentinel
	flock /tmp/itest.lock node build/bench/failover/main.js --mode cluster
