import { strict as assert } from 'node:assert';
import { loadOperatorConfig } from '../../../operator/src/config';

describe('operator: configuration', () => {
  it('has defaults that match the chart', () => {
    const c = loadOperatorConfig({
      MQTT_ADAPTER_OPERATOR_NAMESPACE: 'ops',
      MQTT_ADAPTER_OPERATOR_IDENTITY: 'pod-1',
    });
    assert.deepEqual(c, {
      httpPort: 8080,
      namespace: 'ops',
      identity: 'pod-1',
      leaseName: 'mqtt-adapter-operator',
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      adapterImage: 'mqtt-adapter:0.1.0',
      logLevel: 'info',
      watchNamespaces: [],
    });
  });

  it('reads the watched namespaces, comma-separated, and refuses a name that is not one', () => {
    const c = loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES: ' team-a,team-b,,team-a ' });
    assert.deepEqual(c.watchNamespaces, ['team-a', 'team-b']);
    assert.throws(
      () => loadOperatorConfig({ MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES: 'team-a,Team_B' }),
      /MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES[\s\S]*not a namespace name/,
    );
  });

  it('names the bad variable', () => {
    assert.throws(
      () =>
        loadOperatorConfig({
          MQTT_ADAPTER_OPERATOR_HTTP_PORT: 'eighty',
          MQTT_ADAPTER_OPERATOR_LOG_LEVEL: 'loud',
        }),
      /MQTT_ADAPTER_OPERATOR_HTTP_PORT[\s\S]*MQTT_ADAPTER_OPERATOR_LOG_LEVEL/,
    );
  });
});
