import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { certificateUsername } from '../auth/cert-identity';
import type { Config } from '../config/settings';
import { tlsOptions, type OnStream } from './listeners';

/** Subprotocols MQTT clients offer; `mqtt` is the standard one, the others are older clients'. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1', 'mqttv3.1.1'];

/**
 * MQTT over WebSocket: the transport only turns each WebSocket into a byte
 * stream, so the same connection and session code serves it as serves TCP.
 * With a server certificate configured it listens with TLS (wss).
 */
export function webSocketServer(config: Config, onStream: OnStream): http.Server {
  const secure = Boolean(config.tlsCertFile);
  const server = secure ? https.createServer(tlsOptions(config)) : http.createServer();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server,
    path: config.wsPath,
    maxPayload: config.maxPacketSize + 5,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', (ws, req) => {
    const s = req.socket;
    const remote = `${s.remoteAddress}:${s.remotePort}`;
    let certificateUser: string | undefined;
    if (secure && config.tlsCertLogin !== 'off') {
      const t = s as TLSSocket;
      certificateUser = t.authorized
        ? certificateUsername(t.getPeerCertificate(), config.tlsCertLogin)
        : undefined;
      if (certificateUser === undefined) {
        ws.terminate();
        return;
      }
    }
    onStream(createWebSocketStream(ws), { transport: secure ? 'wss' : 'ws', remote, certificateUser });
  });
  return server;
}
