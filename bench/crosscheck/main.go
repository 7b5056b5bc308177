// Command crosscheck is a closed-loop MQTT publish throughput tool with the
// flags and summary of krylovsk/mqtt-benchmark. The bench uses it as an
// independent cross-check of publish throughput when that module cannot be
// installed; scripts/bench-tools.sh prefers the original.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

type result struct {
	ok, failed int
	elapsed    time.Duration
}

func main() {
	broker := flag.String("broker", "tcp://127.0.0.1:1883", "MQTT broker endpoint")
	topic := flag.String("topic", "/test", "topic prefix; each client publishes to <topic>-<n>")
	username := flag.String("username", "", "MQTT username")
	password := flag.String("password", "", "MQTT password")
	qos := flag.Int("qos", 1, "QoS of the publishes")
	size := flag.Int("size", 100, "payload size in bytes")
	count := flag.Int("count", 100, "messages per client")
	clients := flag.Int("clients", 10, "concurrent publishing clients")
	timeout := flag.Duration("timeout", 60*time.Second, "longest the whole run may take")
	flag.Parse()

	payload := make([]byte, *size)
	results := make(chan result, *clients)
	var wg sync.WaitGroup
	deadline := time.Now().Add(*timeout)
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			results <- run(*broker, *username, *password, fmt.Sprintf("%s-%d", *topic, n), n, byte(*qos), payload, *count, deadline)
		}(i)
	}
	wg.Wait()
	close(results)
	var ok, failed int
	var rates []float64
	for r := range results {
		ok += r.ok
		failed += r.failed
		if r.elapsed > 0 {
			rates = append(rates, float64(r.ok)/r.elapsed.Seconds())
		}
	}
	var total float64
	for _, r := range rates {
		total += r
	}
	fmt.Printf("========= TOTAL (%d) =========\n", *clients)
	fmt.Printf("Total Ratio:                 %.3f (%d/%d)\n", float64(ok)/float64(ok+failed), ok, ok+failed)
	fmt.Printf("Aggregate Bandwidth (msg/sec): %.3f\n", total)
	if failed > 0 {
		os.Exit(1)
	}
}

func run(broker, user, pass, topic string, n int, qos byte, payload []byte, count int, deadline time.Time) result {
	opts := mqtt.NewClientOptions().AddBroker(broker).SetClientID(fmt.Sprintf("crosscheck-%d-%d", os.Getpid(), n)).
		SetCleanSession(true).SetAutoReconnect(false).SetProtocolVersion(4).SetMaxResumePubInFlight(64)
	if user != "" {
		opts.SetUsername(user).SetPassword(pass)
	}
	c := mqtt.NewClient(opts)
	if t := c.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return result{failed: count}
	}
	defer c.Disconnect(100)
	var r result
	start := time.Now()
	for i := 0; i < count; i++ {
		t := c.Publish(topic, qos, false, payload)
		if !t.WaitTimeout(time.Until(deadline)) || t.Error() != nil {
			r.failed += count - i
			break
		}
		r.ok++
	}
	r.elapsed = time.Since(start)
	return r
}
