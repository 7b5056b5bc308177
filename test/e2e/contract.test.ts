import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import Redis from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { repoRoot } from '../../operator/src/codegen/load-crd';
import type { RestClient } from '../../operator/src/kube/rest-client';
import { makePki, type TestPki } from './harness/certs';
import { createNamespace, deleteNamespace, putSecret } from './harness/namespace';
import { freePort } from './harness/net';
import { children, createListener } from './harness/objects';
import { OperatorProcess } from './harness/operator-process';
import { materialize } from './harness/pod-runner';
import { Proc } from './harness/process';
import { SETUP_TIMEOUT_MS, sharedControlPlane } from './harness/shared';
import { eventually } from './harness/wait';

const RABBITMQ_URI = process.env.E2E_RABBITMQ_URI ?? 'amqp://127.0.0.1:5672';
const REDIS_URL = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * RabbitMQ is shared with other suites on this machine. "Server unavailable"
 * is the adapter saying RabbitMQ did not answer just then; only that is retried.
 */
async function connectRetryingUnavailable(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mqtt.connectAsync(url, opts);
    } catch (err) {
      if (attempt >= 10 || !(err instanceof Error) || !/Server unavailable/i.test(err.message)) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * CONNACK proves the login (the default user from its mounted Secret, checked by
 * RabbitMQ); a QoS 1 PUBACK comes only after RabbitMQ confirmed the message, so
 * it proves the AMQP URI from its mounted Secret. Subscriptions and delivery are
 * the adapter's own integration tests, not part of this contract.
 */
async function connectAndPublish(
  url: string,
  opts: mqtt.IClientOptions,
  clients: MqttClient[],
): Promise<void> {
  const client = await connectRetryingUnavailable(url, {
    ...opts,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  clients.push(client);
  assert.ok(client.connected);
  const sent = await client.publishAsync('e2e/contract', 'hello through the adapter', { qos: 1 });
  assert.equal(sent?.cmd, 'publish');
}

/** What the adapter prints when a build lacks a store backend (adapter/src/store/factory.ts). */
const NOT_IN_BUILD = /is not available in this build/;

/**
 * The operator's pod template is the adapter's configuration: run the real
 * adapter with exactly that env, command and mounted Secrets (against the local
 * RabbitMQ and Redis) and talk MQTT to it, over TLS too.
 */
function contractSuite(
  title: string,
  name: string,
  withRedis: boolean,
  clientCertificate: 'none' | 'required',
): void {
  describe(`e2e: contract - the adapter runs the pod the operator writes (${title})`, function () {
    const adapterMain = join(repoRoot(), 'build/adapter/src/main.js');
    const prefix = `e2e-contract-${randomBytes(3).toString('hex')}:`;
    let rest: RestClient;
    let ns: string;
    let op: OperatorProcess;
    let root: string;
    let pki: TestPki;
    let adapter: Proc | undefined;
    let deployment: V1Deployment;
    const clients: MqttClient[] = [];
    const ports = { mqtt: 0, tls: 0, ws: 0, metrics: 0 };
    let skipRest = false;
    /** Verifies the server against the test CA; presents a client certificate when the listener requires one. */
    const tlsClient = (): mqtt.IClientOptions =>
      clientCertificate === 'none'
        ? { ca: pki.caCert }
        : { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey };

    beforeEach(function () {
      if (skipRest) this.skip();
    });

    before(async function () {
      this.timeout(SETUP_TIMEOUT_MS);
      assert.ok(existsSync(adapterMain), `${adapterMain} is missing: run npm run build`);
      const cp = await sharedControlPlane();
      rest = cp.admin;
      root = mkdtempSync(join(tmpdir(), 'mqtt-adapter-contract-'));
      pki = await makePki(root);
      ns = await createNamespace(rest, 'e2e-contract');
      await putSecret(rest, ns, 'rabbit', { uri: RABBITMQ_URI });
      await putSecret(rest, ns, 'redis', { url: REDIS_URL });
      await putSecret(rest, ns, 'guest', { username: 'guest', password: 'guest' });
      await putSecret(rest, ns, 'server-cert', { 'tls.crt': pki.serverCert, 'tls.key': pki.serverKey });
      await putSecret(rest, ns, 'client-ca', { 'ca.crt': pki.caCert });
      for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
      op = await OperatorProcess.start(cp, { identity: 'op-contract', leaseNamespace: ns });
      await createListener(rest, ns, name, {
        rabbitmq: { secretName: 'rabbit' },
        ...(withRedis && { replicas: 2, redis: { secretName: 'redis', keyPrefix: prefix } }),
        defaultUser: { secretName: 'guest' },
        tls: {
          secretName: 'server-cert',
          port: ports.tls,
          clientCertificate,
          ...(clientCertificate !== 'none' && { caSecretName: 'client-ca', minVersion: 'TLSv1.3' }),
        },
        webSocket: { enabled: true, port: ports.ws },
        mqtt: { port: ports.mqtt },
        metrics: { port: ports.metrics },
        drainTimeoutSeconds: 5,
        logLevel: 'debug',
      });
      deployment = await eventually(
        'the Deployment',
        async () => (await children(rest, ns, name)).deployment ?? undefined,
      );
    });

    after(async function () {
      this.timeout(60_000);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await adapter?.stop(15_000);
      await op?.stop();
      if (rest && ns) await deleteNamespace(rest, ns);
      if (root && !process.env.E2E_KEEP_TMP) rmSync(root, { recursive: true, force: true });
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
      try {
        await redis.connect();
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      } catch {
        // Redis was never reachable: the suite failed before writing keys.
      } finally {
        redis.disconnect();
      }
    });

    it('starts from the pod template and turns ready on its readiness probe path', async function () {
      this.timeout(60_000);
      const pod = deployment.spec!.template.spec!;
      const container = pod.containers[0];
      const env = await materialize(rest, ns, pod, container, root, `${name}-7d9f8-abcde`);
      const [cmd, ...args] = container.command ?? [];
      assert.equal(cmd, 'node');
      adapter = Proc.start('adapter', process.execPath, args, join(root, 'adapter.log'), {
        PATH: process.env.PATH,
        ...env,
      });
      // The process runs from the image's working directory: the repository root here.
      assert.equal(args[0], 'build/adapter/src/main.js');
      const probe = container.readinessProbe!.httpGet!;
      const state = await eventually(
        'the readiness probe',
        async () => {
          if (!adapter!.running) {
            // Only this exact refusal skips: the adapter itself says the store is not built in yet.
            if (NOT_IN_BUILD.test(adapter!.log())) return 'not built';
            throw new Error(`adapter exited:\n${adapter!.log().slice(-3000)}`);
          }
          return (await fetch(`http://127.0.0.1:${ports.metrics}${probe.path}`)).status === 200
            ? 'ready'
            : undefined;
        },
        45_000,
        300,
      );
      if (state === 'not built') {
        skipRest = true;
        this.skip();
      }
      const live = container.livenessProbe!.httpGet!;
      assert.equal((await fetch(`http://127.0.0.1:${ports.metrics}${live.path}`)).status, 200);
      const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
      assert.match(metrics, /^mqtt_adapter_/m);
    });

    it('carries MQTT over TLS with the mounted certificate, logging in as the default user', async () => {
      await connectAndPublish(
        `mqtts://localhost:${ports.tls}`,
        { ...tlsClient(), clientId: `contract-tls-${randomBytes(3).toString('hex')}`, protocolVersion: 4 },
        clients,
      );
    });

    if (clientCertificate === 'required') {
      it('refuses a TLS client without a certificate signed by the mounted CA', async () => {
        await assert.rejects(
          mqtt.connectAsync(`mqtts://localhost:${ports.tls}`, {
            ca: pki.caCert,
            reconnectPeriod: 0,
            connectTimeout: 5_000,
          }),
          /certificate required/,
        );
      });

      it('refuses a TLS client capped at TLS 1.2 (spec.tls.minVersion TLSv1.3)', async () => {
        // mqtt.js hands the TLS options it does not type on to tls.connect.
        const tlsCap: Pick<ConnectionOptions, 'maxVersion'> = { maxVersion: 'TLSv1.2' };
        const capped = { ...tlsClient(), ...tlsCap, reconnectPeriod: 0, connectTimeout: 5_000 };
        await assert.rejects(mqtt.connectAsync(`mqtts://localhost:${ports.tls}`, capped), /protocol version/);
      });
    }

    it('carries plain MQTT 5 on the MQTT port', async () => {
      await connectAndPublish(
        `mqtt://127.0.0.1:${ports.mqtt}`,
        { clientId: `contract-tcp-${randomBytes(3).toString('hex')}`, protocolVersion: 5 },
        clients,
      );
    });

    it('carries MQTT over secure WebSocket on the path the pod is configured with', async () => {
      const env = deployment.spec!.template.spec!.containers[0].env ?? [];
      const path = env.find((e) => e.name === 'MQTT_ADAPTER_WS_PATH')?.value;
      assert.equal(path, '/mqtt');
      // With a TLS certificate the adapter serves WebSocket over TLS too.
      await connectAndPublish(
        `wss://localhost:${ports.ws}${path}`,
        { ...tlsClient(), clientId: `contract-ws-${randomBytes(3).toString('hex')}`, protocolVersion: 4 },
        clients,
      );
    });

    it('drains and exits on SIGTERM within the grace period the pod gives it', async function () {
      const grace = deployment.spec!.template.spec!.terminationGracePeriodSeconds!;
      this.timeout((grace + 5) * 1000);
      const started = Date.now();
      const code = await adapter!.stop(grace * 1000);
      assert.equal(code, 0, adapter!.log().slice(-2000));
      assert.ok(Date.now() - started < grace * 1000);
    });
  });
}

contractSuite('one replica, memory store, TLS and WebSocket', 'contract-memory', false, 'none');
contractSuite(
  'two replicas sharing Redis, TLS with client certificates, WebSocket',
  'contract-redis',
  true,
  'required',
);
