"""A paho-mqtt MQTT 5 client for the adapter's v5 interop tests (python3-paho-mqtt 1.6).

  paho_v5.py sub --port P --topic T --count N [--qos Q] [--sub-id I] [--no-local]
      prints "subscribed <code>" after SUBACK, then one JSON line per message
      (topic, payload, qos, retain and the MQTT 5 properties), and exits 0
      after N messages.
  paho_v5.py pub --port P --topic T --message M [--qos Q] [--content-type C]
                 [--response-topic R] [--correlation-data D] [--user-property K=V ...]
                 [--expiry S] [--utf8]
      publishes once, waits for PUBACK (QoS 1) or PUBCOMP (QoS 2), prints
      "published", disconnects and exits 0.

Exits 3 when CONNECT is refused (printing "connack <code>") and 4 when
nothing happens within --timeout seconds.
"""
import argparse
import json
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions


def code(rc):
    """The numeric value of a paho ReasonCodes (or a plain int)."""
    return getattr(rc, "value", rc)


def properties_of(props):
    if props is None:
        return {}
    out = {}
    for attr, key in (
        ("ContentType", "contentType"),
        ("ResponseTopic", "responseTopic"),
        ("MessageExpiryInterval", "messageExpiryInterval"),
        ("PayloadFormatIndicator", "payloadFormatIndicator"),
        ("SubscriptionIdentifier", "subscriptionIdentifier"),
    ):
        if hasattr(props, attr):
            out[key] = getattr(props, attr)
    if hasattr(props, "CorrelationData"):
        out["correlationData"] = props.CorrelationData.decode("utf-8", "replace")
    if hasattr(props, "UserProperty"):
        out["userProperties"] = [list(kv) for kv in props.UserProperty]
    return out


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
    ap.add_argument("--sub-id", type=int)
    ap.add_argument("--no-local", action="store_true")
    ap.add_argument("--content-type")
    ap.add_argument("--response-topic")
    ap.add_argument("--correlation-data")
    ap.add_argument("--user-property", action="append", default=[])
    ap.add_argument("--expiry", type=int)
    ap.add_argument("--utf8", action="store_true")
    args = ap.parse_args()

    done = threading.Event()
    result = {"code": 4}
    received = []
    client = mqtt.Client(client_id=args.client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(args.username, args.password)

    def finish(rc):
        result["code"] = rc
        done.set()

    def publish(c):
        props = Properties(PacketTypes.PUBLISH)
        if args.content_type:
            props.ContentType = args.content_type
        if args.response_topic:
            props.ResponseTopic = args.response_topic
        if args.correlation_data:
            props.CorrelationData = args.correlation_data.encode("utf-8")
        for kv in args.user_property:
            k, v = kv.split("=", 1)
            props.UserProperty = (k, v)
        if args.expiry is not None:
            props.MessageExpiryInterval = args.expiry
        if args.utf8:
            props.PayloadFormatIndicator = 1
        info = c.publish(args.topic, args.message, qos=args.qos, properties=props)

        def wait():
            info.wait_for_publish(args.timeout)
            if info.is_published():
                print("published", flush=True)
                c.disconnect()
                finish(0)

        threading.Thread(target=wait, daemon=True).start()

    def on_connect(c, _userdata, _flags, rc, _props=None):
        if code(rc) != 0:
            print("connack %d" % code(rc), flush=True)
            finish(3)
        elif args.mode == "sub":
            props = None
            if args.sub_id:
                props = Properties(PacketTypes.SUBSCRIBE)
                props.SubscriptionIdentifier = args.sub_id
            c.subscribe(
                args.topic,
                options=SubscribeOptions(qos=args.qos, noLocal=args.no_local),
                properties=props,
            )
        else:
            publish(c)

    def on_subscribe(_c, _userdata, _mid, rcs, _props=None):
        print("subscribed %d" % code(rcs[0]), flush=True)
        if args.count == 0:
            finish(0)

    def on_message(_c, _userdata, msg):
        received.append(msg)
        print(
            json.dumps(
                {
                    "topic": msg.topic,
                    "payload": msg.payload.decode("utf-8", "replace"),
                    "qos": msg.qos,
                    "retain": bool(msg.retain),
                    "properties": properties_of(getattr(msg, "properties", None)),
                }
            ),
            flush=True,
        )
        if len(received) >= args.count:
            finish(0)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(args.host, args.port, keepalive=30, clean_start=True)
    client.loop_start()
    done.wait(args.timeout)
    client.loop_stop()
    sys.exit(result["code"])


if __name__ == "__main__":
    main()
