import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { certificateUsername, certLoginRule } from '../auth/cert-identity';
import type { Config } from '../config/settings';
import { unauthenticatedPacketLimit } from '../connection/packet-limit';
import { handshakeTimeout, tlsOptions, type OnStream } from './listeners';
import { setMessageLimit } from './ws-message-limit';
import { boundIdle, requestTimeouts } from '../http/request-time';
import { directPeer, type PeerOf } from './proxy/peers';

/** Subprotocols MQTT clients offer; `mqtt` is the standard one, the others are older clients'. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1', 'mqttv3.1.1'];

/** A WebSocket message carries one MQTT packet; the slack is that of a fixed header. */
const messageLimit = (packetLimit: number): number => packetLimit + 5;

/**
 * MQTT over WebSocket: the transport only turns each WebSocket into a byte
 * stream, so the same connection and session code serves it as serves TCP.
 * With a server certificate configured it listens with TLS (wss).
 *
 * `ws` reads a whole message before the stream sees any of it, so the packet
 * framer's limit before CONNACK would come too late: each socket starts with
 * its message limit at MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED, checked
 * against each frame header, and gets MQTT_ADAPTER_MAX_PACKET_SIZE with
 * CONNACK. A client that sends a larger packet behind its CONNECT without
 * waiting for CONNACK is thus refused over WebSocket, where TCP would take it.
 */
export function webSocketServer(
  config: Config,
  onStream: OnStream,
  log: Logger,
  peerOf: PeerOf = directPeer,
): http.Server {
  const secure = Boolean(config.tlsCertFile);
  const loginRule = secure ? certLoginRule(config) : undefined;
  // The upgrade request, like CONNECT, has MQTT_ADAPTER_CONNECT_TIMEOUT_MS. Node sets no bound on a socket
  // that sends nothing, and 60 s or more on a request head; `ws` clears the idle timeout once upgraded.
  const timeouts = requestTimeouts(config.connectTimeoutMs);
  const server = boundIdle(
    secure
      ? https.createServer({ ...tlsOptions(config), ...handshakeTimeout(config), ...timeouts })
      : http.createServer(timeouts),
    config.connectTimeoutMs,
  );
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server,
    path: config.wsPath,
    maxPayload: messageLimit(unauthenticatedPacketLimit(config)),
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', (ws, req) => {
    const s = req.socket;
    const peer = peerOf(s);
    const { remote } = peer;
    let certificateUser: string | undefined;
    if (loginRule) {
      const t = s as TLSSocket;
      certificateUser = t.authorized ? certificateUsername(t.getPeerCertificate(), loginRule) : undefined;
      if (certificateUser === undefined) {
        ws.terminate();
        return;
      }
    }
    let connected = false;
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        const limit = connected ? config.maxPacketSize : unauthenticatedPacketLimit(config);
        log.warn(
          { remote, limit, connected },
          connected
            ? `WebSocket message refused: over MQTT_ADAPTER_MAX_PACKET_SIZE (${limit})`
            : `WebSocket message refused before CONNACK: over MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED (${limit})`,
        );
      }
      // Else `ws` sends a close frame and waits up to 30 s for the answer a peer like this may never send.
      ws.terminate();
    });
    const raiseMessageLimit = (): void => {
      connected = true;
      setMessageLimit(ws, messageLimit(config.maxPacketSize));
    };
    onStream(createWebSocketStream(ws), {
      transport: secure ? 'wss' : 'ws',
      ...peer,
      certificateUser,
      raiseMessageLimit,
    });
  });
  return server;
}
