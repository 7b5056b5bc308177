import pino, { type Logger } from 'pino';

/** JSON logs; credentials and payloads are never passed to the logger, and these paths are redacted if they ever are. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'mqtt-adapter' },
    redact: { paths: ['password', '*.password', 'payload', '*.payload'], censor: '[redacted]' },
  });
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/** The logging a connection and its session do; a pino Logger is one. */
export interface Log {
  fatal(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  debug(obj: object, msg?: string): void;
  isLevelEnabled(level: Level): boolean;
  child(bindings: Record<string, unknown>): Log;
}

/**
 * A logger whose fields are added to each line it writes rather than bound
 * into a pino child up front, because a child logger costs every idle
 * connection about a kilobyte and most lines are below the level in force.
 */
export abstract class FieldLog implements Log {
  constructor(protected readonly parent: Log) {}

  /** The fields every line carries, made only for a line that is written. */
  protected abstract fields(): Readonly<Record<string, unknown>>;

  abstract child(bindings: Record<string, unknown>): Log;

  isLevelEnabled(level: Level): boolean {
    return this.parent.isLevelEnabled(level);
  }

  fatal(obj: object, msg?: string): void {
    this.write('fatal', obj, msg);
  }

  error(obj: object, msg?: string): void {
    this.write('error', obj, msg);
  }

  warn(obj: object, msg?: string): void {
    this.write('warn', obj, msg);
  }

  info(obj: object | string, msg?: string): void {
    this.write('info', obj, msg);
  }

  debug(obj: object, msg?: string): void {
    this.write('debug', obj, msg);
  }

  private write(level: Level, obj: object | string, msg: string | undefined): void {
    if (!this.parent.isLevelEnabled(level)) return;
    const line = typeof obj === 'string' ? { ...this.fields() } : { ...this.fields(), ...obj };
    this.parent[level].call(this.parent, line, typeof obj === 'string' ? obj : msg);
  }
}

/** A FieldLog with fixed fields. */
export class BoundLog extends FieldLog {
  constructor(
    parent: Log,
    private readonly bindings: Readonly<Record<string, unknown>>,
  ) {
    super(parent);
  }

  protected fields(): Readonly<Record<string, unknown>> {
    return this.bindings;
  }

  child(bindings: Record<string, unknown>): Log {
    return new BoundLog(this.parent, { ...this.bindings, ...bindings });
  }
}
