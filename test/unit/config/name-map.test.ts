import { strict as assert } from 'node:assert';
import { parseNameMap, portKeyProblem } from '../../../adapter/src/config/name-map';
import { ConfigError, loadConfig } from '../../../adapter/src/config/load';

const anyKey = (): undefined => undefined;

describe('config/name-map: vhost mappings', () => {
  it('reads name=vhost pairs and the same map as JSON', () => {
    const list = parseNameMap(' 1883=tenant-a , 8883 = tenant-b ', portKeyProblem);
    assert.deepEqual(list, { map: { '1883': 'tenant-a', '8883': 'tenant-b' }, problems: [] });
    const json = parseNameMap('{"CN=a,O=b": "v=1,2"}', anyKey);
    assert.deepEqual(json, { map: { 'CN=a,O=b': 'v=1,2' }, problems: [] });
    assert.deepEqual(parseNameMap('', anyKey), { map: {}, problems: [] });
  });

  it('keeps everything after the first = as the vhost', () => {
    assert.deepEqual(parseNameMap('dev=a=b', anyKey).map, { dev: 'a=b' });
  });

  it('names each bad entry and keeps none of a bad map', () => {
    const bad = parseNameMap('0=a,70000=b,x=c,1883=,1884=d,1884=e', portKeyProblem);
    assert.deepEqual(bad.map, {});
    assert.deepEqual(bad.problems, [
      '"0": not a port (1 to 65535)',
      '"70000": not a port (1 to 65535)',
      '"x": not a port (1 to 65535)',
      '"1883": an empty vhost',
      '"1884" is given twice',
    ]);
    assert.deepEqual(parseNameMap('tenant-a', anyKey).problems, ['"tenant-a" is not name=vhost']);
    assert.match(parseNameMap('{nope', anyKey).problems[0], /not valid JSON/);
    assert.match(parseNameMap('{"a": 1}', anyKey).problems[0], /must be a string/);
    assert.match(parseNameMap('=v', anyKey).problems[0], /an empty name/);
  });

  it('reports a bad mapping at start, naming the variable', () => {
    assert.throws(
      () => loadConfig({ MQTT_ADAPTER_VHOST_BY_PORT: '1883' }, () => ''),
      (err: unknown) =>
        err instanceof ConfigError &&
        /MQTT_ADAPTER_VHOST_BY_PORT="1883": "1883" is not name=vhost/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ MQTT_ADAPTER_VHOST_BY_CERTIFICATE: 'dev=a' }, () => ''),
      (err: unknown) =>
        err instanceof ConfigError &&
        /MQTT_ADAPTER_VHOST_BY_CERTIFICATE needs MQTT_ADAPTER_TLS_CERT_LOGIN/.test(err.message),
    );
  });

  it('takes a mapping from the config file as a JSON object', () => {
    const c = loadConfig({ MQTT_ADAPTER_CONFIG_FILE: '/c.json' }, () =>
      JSON.stringify({ MQTT_ADAPTER_VHOST_BY_PORT: { '1883': 'a', '8883': 'b' } }),
    );
    assert.deepEqual(c.vhostByPort, { '1883': 'a', '8883': 'b' });
  });
});
