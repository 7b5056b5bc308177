#!/usr/bin/env bash
# Starts RabbitMQ and Redis when they are not answering, with the machine's own start commands.
set -euo pipefail

wait_for() { # name, tries, command...
  local name=$1 tries=$2; shift 2
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "services-up: $name did not come up" >&2; return 1
}

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services-up: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for redis 30 redis-cli -h 127.0.0.1 -p 6379 ping

if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
  echo "services-up: starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_for rabbitmq 120 rabbitmq-diagnostics -q check_port_connectivity

# A node can answer on its port while broken inside (a resource alarm left on,
# or its database not answering after running out of file handles); the tests
# need it whole, so restart the application once when it is not.
rabbit_healthy() {
  rabbitmq-diagnostics -q check_running >/dev/null 2>&1 &&
    rabbitmq-diagnostics -q check_local_alarms >/dev/null 2>&1 &&
    timeout 60 rabbitmqctl -q list_vhosts >/dev/null 2>&1
}
if ! rabbitmq-diagnostics -q check_local_alarms >/dev/null 2>&1; then
  # An interrupted backpressure test can leave the memory watermark low; 0.4 is RabbitMQ's default.
  rabbitmqctl set_vm_memory_high_watermark 0.4 || true
fi
if ! rabbit_healthy; then
  echo "services-up: RabbitMQ is up but unhealthy; restarting its application"
  rabbitmqctl stop_app || true
  rabbitmqctl start_app
  wait_for rabbitmq 120 rabbit_healthy
fi
