import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig, rawValues } from '../../../adapter/src/config/load';

/** A file reader over an in-memory map, so no test touches the disk. */
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    if (text === undefined) throw new Error(`ENOENT: no such file ${path}`);
    return text;
  };
const noFiles = files({});

/** The ConfigError message loadConfig throws for this environment. */
function failure(env: Record<string, string>, read = noFiles): string {
  try {
    loadConfig(env, read);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('config/load: loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({}, noFiles);
    assert.equal(c.mqttPort, 1883);
    assert.equal(c.httpPort, 9090);
    assert.equal(c.exchange, 'amq.topic');
    assert.equal(c.vhost, '/');
    assert.equal(c.defaultUser, undefined);
    assert.equal(c.store, 'memory');
    assert.equal(c.wsEnabled, false);
    assert.equal(c.inflightWindow, 64);
    assert.equal(c.confirmTimeoutMs, 30000);
    // Queues named after the client id stay the default.
    assert.equal(c.readyQueues, 0);
    assert.equal(loadConfig({ MQTT_ADAPTER_READY_QUEUES: '100' }, noFiles).readyQueues, 100);
  });

  it('coerces numbers and booleans from strings', () => {
    const c = loadConfig(
      { MQTT_ADAPTER_MQTT_PORT: '0', MQTT_ADAPTER_WS_ENABLED: 'yes', MQTT_ADAPTER_INFLIGHT_WINDOW: '8' },
      noFiles,
    );
    assert.deepEqual([c.mqttPort, c.wsEnabled, c.inflightWindow], [0, true, 8]);
  });

  it('names each bad variable and its value', () => {
    const cases: [string, string][] = [
      ['MQTT_ADAPTER_MQTT_PORT', '70000'],
      ['MQTT_ADAPTER_MQTT_PORT', 'abc'],
      ['MQTT_ADAPTER_HTTP_PORT', '-1'],
      ['MQTT_ADAPTER_MAX_PACKET_SIZE', '0'],
      ['MQTT_ADAPTER_INFLIGHT_WINDOW', '1.5'],
      ['MQTT_ADAPTER_WS_ENABLED', 'maybe'],
      ['MQTT_ADAPTER_QUEUE_TYPE', 'stream'],
      ['MQTT_ADAPTER_LOG_LEVEL', 'loud'],
      ['MQTT_ADAPTER_WS_PATH', 'mqtt'],
      ['MQTT_ADAPTER_CONFIRM_TIMEOUT_MS', '0'],
      ['MQTT_ADAPTER_CONFIRM_TIMEOUT_MS', 'soon'],
      // Past 2^31-1 ms Node would fire the timer after 1 ms.
      ['MQTT_ADAPTER_CONNECT_TIMEOUT_MS', '2147483648'],
      ['MQTT_ADAPTER_READY_QUEUES', '-1'],
      ['MQTT_ADAPTER_READY_QUEUES', '101'],
      ['MQTT_ADAPTER_READY_QUEUES', '2.5'],
      ['MQTT_ADAPTER_READY_QUEUES', 'some'],
    ];
    for (const [env, value] of cases) {
      const message = failure({ [env]: value });
      assert.match(message, new RegExp(`${env}=${JSON.stringify(value)}`), message);
    }
  });

  it('lists every bad variable at once', () => {
    const message = failure({ MQTT_ADAPTER_MQTT_PORT: 'x', MQTT_ADAPTER_STORE: 'disk' });
    assert.match(message, /MQTT_ADAPTER_MQTT_PORT/);
    assert.match(message, /MQTT_ADAPTER_STORE/);
  });

  it('never shows the value of a secret setting', () => {
    const message = failure({ MQTT_ADAPTER_AMQP_URL: 'http://user:s3cr3t@host' });
    assert.match(message, /MQTT_ADAPTER_AMQP_URL=\(hidden\)/);
    assert.doesNotMatch(message, /s3cr3t/);
  });

  it('takes one RabbitMQ address or a comma-separated list of cluster nodes', () => {
    assert.deepEqual(loadConfig({}, noFiles).amqpUrls, ['amqp://localhost:5672']);
    const c = loadConfig({ MQTT_ADAPTER_AMQP_URL: 'amqp://r1:5672, amqps://r2:5671 ,amqp://r3' }, noFiles);
    assert.deepEqual(c.amqpUrls, ['amqp://r1:5672', 'amqps://r2:5671', 'amqp://r3']);
    const fromFile = loadConfig(
      { MQTT_ADAPTER_AMQP_URL_FILE: '/run/secret/uri' },
      files({ '/run/secret/uri': 'amqp://u:p@r1:5672,amqp://u:p@r2:5672\n' }),
    );
    assert.deepEqual(fromFile.amqpUrls, ['amqp://u:p@r1:5672', 'amqp://u:p@r2:5672']);
  });

  it('names each bad address of the list by position and host, never its credentials', () => {
    const cases: [string, RegExp][] = [
      ['amqp://r1,http://u:s3cr3t@r2', /address 2 of 2 \(host r2\) uses http:, not amqp: or amqps:/],
      ['amqp://r1,,amqp://r3', /address 2 of 3 is empty/],
      ['amqp://r1,not a url', /address 2 of 2 is not a URL/],
      ['amqp://r1:5672,amqp://u:s3cr3t@r1:5672', /address 2 of 2 repeats address 1 \(amqp:\/\/r1:5672\)/],
      [' ', /the address is empty/],
    ];
    for (const [value, expected] of cases) {
      const message = failure({ MQTT_ADAPTER_AMQP_URL: value });
      assert.match(message, expected, message);
      assert.doesNotMatch(message, /s3cr3t/);
    }
  });

  it('cross-checks settings that depend on each other', () => {
    assert.match(
      failure({ MQTT_ADAPTER_TLS_CERT_FILE: '/c.pem' }),
      /MQTT_ADAPTER_TLS_KEY_FILE is required when MQTT_ADAPTER_TLS_CERT_FILE is set/,
    );
    assert.match(
      failure({ MQTT_ADAPTER_TLS_CLIENT_CERT: 'required' }),
      /MQTT_ADAPTER_TLS_CA_FILE is required when MQTT_ADAPTER_TLS_CLIENT_CERT=required/,
    );
    assert.match(
      failure({
        MQTT_ADAPTER_TLS_CERT_LOGIN: 'cn',
        MQTT_ADAPTER_TLS_CLIENT_CERT: 'optional',
        MQTT_ADAPTER_TLS_CA_FILE: '/ca',
      }),
      /MQTT_ADAPTER_TLS_CERT_LOGIN=cn needs MQTT_ADAPTER_TLS_CLIENT_CERT=required/,
    );
    assert.match(
      failure({ MQTT_ADAPTER_DEFAULT_USER: 'guest' }),
      /MQTT_ADAPTER_DEFAULT_PASSWORD is required when MQTT_ADAPTER_DEFAULT_USER is set/,
    );
    assert.match(
      failure({ MQTT_ADAPTER_MQTT_PORT: '9000', MQTT_ADAPTER_HTTP_PORT: '9000' }),
      /HTTP and MQTT listeners both use port 9000/,
    );
    // Port 0 means "any free port", so two listeners may both ask for it.
    loadConfig({ MQTT_ADAPTER_MQTT_PORT: '0', MQTT_ADAPTER_HTTP_PORT: '0' }, noFiles);
    // The TLS port only clashes when TLS is on.
    loadConfig({ MQTT_ADAPTER_TLS_PORT: '1883' }, noFiles);
  });
});

describe('config/load: value sources', () => {
  it('reads <ENV>_FILE, trimmed, for values mounted from Secrets', () => {
    const c = loadConfig(
      { MQTT_ADAPTER_DEFAULT_USER: 'guest', MQTT_ADAPTER_DEFAULT_PASSWORD_FILE: '/run/secret/pw' },
      files({ '/run/secret/pw': 'hunter2\n' }),
    );
    assert.equal(c.defaultPassword, 'hunter2');
  });

  it('prefers the variable itself over <ENV>_FILE', () => {
    const raw = rawValues(
      { MQTT_ADAPTER_EXCHANGE: 'direct', MQTT_ADAPTER_EXCHANGE_FILE: '/x' },
      files({ '/x': 'from-file' }),
    );
    assert.equal(raw.MQTT_ADAPTER_EXCHANGE, 'direct');
  });

  it('names the _FILE variable when its file cannot be read', () => {
    assert.match(
      failure({ MQTT_ADAPTER_DEFAULT_PASSWORD_FILE: '/missing' }),
      /MQTT_ADAPTER_DEFAULT_PASSWORD_FILE: cannot read \/missing/,
    );
  });

  it('takes settings from the JSON config file below the environment', () => {
    const read = files({
      '/etc/adapter.json': JSON.stringify({ MQTT_ADAPTER_EXCHANGE: 'mqtt', MQTT_ADAPTER_MQTT_PORT: 1884 }),
    });
    const c = loadConfig(
      { MQTT_ADAPTER_CONFIG_FILE: '/etc/adapter.json', MQTT_ADAPTER_MQTT_PORT: '1885' },
      read,
    );
    assert.equal(c.exchange, 'mqtt');
    assert.equal(c.mqttPort, 1885, 'the environment wins over the file');
  });

  it('validates values from the config file like any other', () => {
    const read = files({ '/f.json': JSON.stringify({ MQTT_ADAPTER_MQTT_PORT: 'nope' }) });
    assert.match(failure({ MQTT_ADAPTER_CONFIG_FILE: '/f.json' }, read), /MQTT_ADAPTER_MQTT_PORT="nope"/);
  });

  it('refuses an unknown key, a non-object and bad JSON in the config file', () => {
    const read = files({
      '/unknown.json': JSON.stringify({ MQTT_ADAPTER_MQTT_PROT: 1 }),
      '/array.json': '[1]',
      '/bad.json': '{',
    });
    assert.match(
      failure({ MQTT_ADAPTER_CONFIG_FILE: '/unknown.json' }, read),
      /MQTT_ADAPTER_CONFIG_FILE: unknown setting MQTT_ADAPTER_MQTT_PROT/,
    );
    assert.match(failure({ MQTT_ADAPTER_CONFIG_FILE: '/array.json' }, read), /must hold a JSON object/);
    assert.match(
      failure({ MQTT_ADAPTER_CONFIG_FILE: '/bad.json' }, read),
      /MQTT_ADAPTER_CONFIG_FILE: cannot load/,
    );
    assert.match(failure({ MQTT_ADAPTER_CONFIG_FILE: '/none.json' }, read), /cannot load \/none.json/);
  });
});
