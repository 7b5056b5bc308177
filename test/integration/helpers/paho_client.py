"""A small paho-mqtt client for the adapter's interop tests (python3-paho-mqtt 1.x).

  paho_client.py sub --port P --topic T --count N [--qos Q]
      prints "subscribed" after SUBACK, then one JSON line per message, and
      exits 0 after N messages.
  paho_client.py pub --port P --topic T --message M [--qos Q]
      publishes once, waits for PUBACK at QoS 1, disconnects and exits 0.

Exits 3 when CONNECT is refused and 4 when nothing happens in --timeout seconds.
"""
import argparse
import json
import sys
import threading

import paho.mqtt.client as mqtt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["sub", "pub"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--message", default="")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--qos", type=int, default=1)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--username", default="guest")
    ap.add_argument("--password", default="guest")
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()

    done = threading.Event()
    result = {"code": 4}
    received = []
    client = mqtt.Client(client_id=args.client_id, clean_session=True, protocol=mqtt.MQTTv311)
    client.username_pw_set(args.username, args.password)

    def finish(code):
        result["code"] = code
        done.set()

    def on_connect(c, _userdata, _flags, rc):
        if rc != 0:
            print("connack %d" % rc, flush=True)
            finish(3)
        elif args.mode == "sub":
            c.subscribe(args.topic, qos=args.qos)
        else:
            info = c.publish(args.topic, args.message, qos=args.qos)
            if args.qos == 0:
                info.wait_for_publish()
                finish(0)

    def on_subscribe(_c, _userdata, _mid, granted):
        print("subscribed", flush=True)

    def on_publish(_c, _userdata, _mid):
        if args.qos > 0:
            finish(0)

    def on_message(_c, _userdata, msg):
        line = {"topic": msg.topic, "payload": msg.payload.decode("utf-8", "replace"), "qos": msg.qos, "retain": bool(msg.retain)}
        print(json.dumps(line), flush=True)
        received.append(line)
        if len(received) >= args.count:
            finish(0)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_publish = on_publish
    client.on_message = on_message
    client.connect(args.host, args.port, keepalive=30)
    client.loop_start()
    done.wait(args.timeout)
    client.disconnect()
    client.loop_stop()
    sys.exit(result["code"])


if __name__ == "__main__":
    main()
