import { strict as assert } from 'node:assert';
import type * as net from 'node:net';
import { ProxiedPeers, listenerPeers } from '../../../adapter/src/transport/proxy/peers';

/** A socket's address getters, counting which were read (Node keeps what they return, per socket). */
function addressed(): { socket: net.Socket; read: string[] } {
  const read: string[] = [];
  const value = {
    remoteAddress: '203.0.113.7',
    remotePort: 51234,
    localAddress: '10.0.0.5',
    localPort: 1883,
  };
  const socket = {} as net.Socket;
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(socket, k, {
      get: () => {
        read.push(k);
        return v;
      },
    });
  return { socket, read };
}

describe('transport/listener peers', () => {
  it('without PROXY headers or a port-to-vhost mapping, reads only the remote end', () => {
    const { socket, read } = addressed();
    const peer = listenerPeers({ proxyProtocol: 'off', vhostByPort: {} }, new ProxiedPeers())(socket);
    assert.deepEqual(peer, { remote: '203.0.113.7:51234' });
    assert.deepEqual(read.sort(), ['remoteAddress', 'remotePort']);
  });

  it('with a port-to-vhost mapping, gives the dialed port', () => {
    const { socket } = addressed();
    const peer = listenerPeers(
      { proxyProtocol: 'off', vhostByPort: { '1883': 'tenant-a' } },
      new ProxiedPeers(),
    )(socket);
    assert.deepEqual(peer, { remote: '203.0.113.7:51234', localPort: 1883 });
  });

  it('with PROXY headers on, asks the proxied peers, falling back to the socket with its port', () => {
    const { socket } = addressed();
    const peer = listenerPeers({ proxyProtocol: 'optional', vhostByPort: {} }, new ProxiedPeers())(socket);
    assert.deepEqual(peer, { remote: '203.0.113.7:51234', localPort: 1883 });
  });
});
