import { strict as assert } from 'node:assert';
import { metricsService } from '../../../operator/src/builders/metrics-service';
import { podDisruptionBudget } from '../../../operator/src/builders/pod-disruption-budget';
import { service } from '../../../operator/src/builders/service';
import { serviceMonitor } from '../../../operator/src/builders/service-monitor';
import { listener } from './listener-fixture';

describe('operator: Service builder', () => {
  it('exposes the MQTT port by name, and not the metrics port', () => {
    const s = service(listener());
    assert.equal(s.spec?.type, 'ClusterIP');
    assert.deepEqual(s.spec?.ports, [{ name: 'mqtt', port: 1883, targetPort: 'mqtt', protocol: 'TCP' }]);
    assert.equal(s.spec?.selector?.['app.kubernetes.io/instance'], 'demo');
  });

  it('adds TLS and WebSocket ports when enabled', () => {
    const s = service(listener({ tls: { secretName: 'cert' }, webSocket: { enabled: true, port: 8443 } }));
    assert.deepEqual(
      s.spec?.ports?.map((p) => [p.name, p.port]),
      [
        ['mqtt', 1883],
        ['mqtts', 8883],
        ['ws', 8443],
      ],
    );
  });

  it('carries LoadBalancer settings and annotations', () => {
    const s = service(
      listener({
        service: {
          type: 'LoadBalancer',
          annotations: { 'lb.example/internal': 'true' },
          externalTrafficPolicy: 'Local',
          loadBalancerSourceRanges: ['10.0.0.0/8'],
        },
      }),
    );
    assert.equal(s.spec?.type, 'LoadBalancer');
    assert.equal(s.spec?.externalTrafficPolicy, 'Local');
    assert.deepEqual(s.spec?.loadBalancerSourceRanges, ['10.0.0.0/8']);
    assert.deepEqual(s.metadata?.annotations, { 'lb.example/internal': 'true' });
  });
});

describe('operator: PodDisruptionBudget builder', () => {
  it('allows one pod down by default and selects the pods', () => {
    const pdb = podDisruptionBudget(listener())!;
    assert.equal(pdb.spec?.maxUnavailable, 1);
    assert.equal(pdb.spec?.selector?.matchLabels?.['app.kubernetes.io/instance'], 'demo');
  });

  it('is absent when disabled', () => {
    assert.equal(podDisruptionBudget(listener({ podDisruptionBudget: { enabled: false } })), null);
  });
});

describe('operator: ServiceMonitor and metrics Service builders', () => {
  it('are absent by default', () => {
    assert.equal(serviceMonitor(listener()), null);
    assert.equal(metricsService(listener()), null);
  });

  it('scrape the metrics port through a dedicated Service when enabled', () => {
    const l = listener({ metrics: { port: 9100, serviceMonitor: { enabled: true, interval: '15s' } } });
    const svc = metricsService(l)!;
    const sm = serviceMonitor(l)!;
    assert.equal(svc.metadata?.name, 'demo-metrics');
    assert.deepEqual(svc.spec?.ports, [
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      assert.equal(svc.metadata?.labels?.[k], v);
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '15s' }]);
  });
});
