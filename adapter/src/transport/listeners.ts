import * as net from 'node:net';
import * as tls from 'node:tls';
import { settings, type Config } from '../config/settings';
import { readPem } from '../config/read-pem';
import { ConfigError } from '../config/load';
import type { ConnectionInfo } from '../connection/connection';
import type { Duplex } from 'node:stream';
import { certificateUsername, certLoginRule } from '../auth/cert-identity';
import { directPeer, type PeerOf } from './proxy/peers';

export type OnStream = (stream: Duplex, info: Omit<ConnectionInfo, 'id'>) => void;

/** Listens and resolves with the bound port; a taken port names the setting to change. */
export function listen(server: net.Server, host: string, port: number, settingEnv: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new ConfigError(`port ${port} on ${host} is already in use; set ${settingEnv} to a free port`),
        );
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export function tcpServer(onStream: OnStream, peerOf: PeerOf = directPeer): net.Server {
  return net.createServer({ noDelay: true }, (socket) => {
    onStream(socket, { transport: 'tcp', ...peerOf(socket) });
  });
}

/** The TLS and secure WebSocket listeners' options: certificate, client certificates, versions and ciphers. */
export function tlsOptions(config: Config): tls.TlsOptions {
  return {
    cert: readPem(settings.tlsCertFile.env, config.tlsCertFile),
    key: readPem(settings.tlsKeyFile.env, config.tlsKeyFile),
    ca: readPem(settings.tlsCaFile.env, config.tlsCaFile),
    requestCert: config.tlsClientCert !== 'none',
    rejectUnauthorized: config.tlsClientCert === 'required',
    minVersion: config.tlsMinVersion,
    maxVersion: config.tlsMaxVersion,
    ...(config.tlsCiphers === undefined ? {} : { ciphers: config.tlsCiphers }),
  };
}

/**
 * A socket's time for its TLS handshake: MQTT_ADAPTER_CONNECT_TIMEOUT_MS, as
 * for its CONNECT, rather than Node's 120 s, so that a socket which never
 * finishes a handshake is held no longer than one which never sends CONNECT.
 */
export function handshakeTimeout(config: Pick<Config, 'connectTimeoutMs'>): tls.TlsOptions {
  return { handshakeTimeout: config.connectTimeoutMs };
}

export function tlsServer(config: Config, onStream: OnStream, peerOf: PeerOf = directPeer): tls.Server {
  const loginRule = certLoginRule(config);
  const server = tls.createServer({ ...tlsOptions(config), ...handshakeTimeout(config) }, (socket) => {
    socket.setNoDelay(true);
    // With optional client certificates an unverified one is refused here rather than ignored.
    if (
      config.tlsClientCert === 'optional' &&
      socket.authorizationError &&
      socket.getPeerCertificate()?.subject
    ) {
      socket.destroy();
      return;
    }
    const peer = peerOf(socket);
    if (!loginRule) {
      onStream(socket, { transport: 'tls', ...peer });
      return;
    }
    // Client certificates are required for certificate login, so an authorized socket has a verified one.
    const certificateUser = socket.authorized
      ? certificateUsername(socket.getPeerCertificate(), loginRule)
      : undefined;
    if (certificateUser === undefined) {
      socket.destroy();
      return;
    }
    onStream(socket, { transport: 'tls', ...peer, certificateUser });
  });
  // Node reports a handshake past its timeout here but leaves the socket open.
  server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
  return server;
}
