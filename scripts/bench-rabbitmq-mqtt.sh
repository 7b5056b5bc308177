#!/usr/bin/env bash
# Turns RabbitMQ's own MQTT plugin on (on a spare port) or off for the bench,
# leaving the AMQP listener alone. Usage: bench-rabbitmq-mqtt.sh enable PORT | disable
# The plugin would take 1883 (Mosquitto's) by default, so its listener is set
# in the application environment after loading and before enabling.
set -euo pipefail
cmd="${1:-}"
amqp_ok() { timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' 2>/dev/null; }

case "$cmd" in
  enable)
    port="${2:?port}"
    rabbitmqctl -q eval "case application:load(rabbitmq_mqtt) of ok -> ok; {error, {already_loaded, _}} -> ok end, ok = application:set_env(rabbitmq_mqtt, tcp_listeners, [{\"127.0.0.1\", $port}]), ok = application:set_env(rabbitmq_mqtt, ssl_listeners, []), ok." >/dev/null
    rabbitmq-plugins -q enable rabbitmq_mqtt >/dev/null
    for _ in $(seq 1 50); do
      if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then break; fi
      sleep 0.2
    done
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || { echo "rabbitmq_mqtt is not listening on $port" >&2; exit 1; }
    ;;
  disable)
    rabbitmq-plugins -q disable rabbitmq_mqtt >/dev/null
    rabbitmqctl -q eval 'application:unset_env(rabbitmq_mqtt, tcp_listeners), application:unset_env(rabbitmq_mqtt, ssl_listeners), ok.' >/dev/null || true
    ;;
  *)
    echo "usage: $0 enable PORT | disable" >&2
    exit 2
    ;;
esac
amqp_ok || { echo "AMQP listener on 5672 is not answering" >&2; exit 1; }
