import { strict as assert } from 'node:assert';
import { unauthenticatedPacketLimit } from '../../../adapter/src/connection/packet-limit';
import { loadConfig } from '../../../adapter/src/config/load';

describe('connection/packet-limit', () => {
  it('allows 64 KiB before CONNACK by default, as the RabbitMQ MQTT plugin does', () => {
    assert.equal(unauthenticatedPacketLimit(loadConfig({})), 65536);
  });

  it('never allows more before CONNACK than after', () => {
    assert.equal(
      unauthenticatedPacketLimit({ maxPacketSize: 1024, maxPacketSizeUnauthenticated: 65536 }),
      1024,
    );
    assert.equal(
      unauthenticatedPacketLimit({ maxPacketSize: 1 << 24, maxPacketSizeUnauthenticated: 1 << 20 }),
      1 << 20,
    );
  });
});
