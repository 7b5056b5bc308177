import pino, { type Logger } from 'pino';

/** JSON logs; credentials and payloads are never passed to the logger, and these paths are redacted if they ever are. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'mqtt-adapter' },
    redact: { paths: ['password', '*.password', 'payload', '*.payload'], censor: '[redacted]' },
  });
}
