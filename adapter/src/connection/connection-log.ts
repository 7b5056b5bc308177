import { BoundLog, FieldLog, type Log } from '../log';
import type { ConnectionInfo } from './connection';

/**
 * A connection's logger, and its session's (with the client id): its fields
 * are read from the ConnectionInfo the connection keeps anyway when a line is
 * written, rather than copied into an object of their own for each.
 */
export class ConnectionLog extends FieldLog {
  constructor(
    parent: Log,
    private readonly conn: ConnectionInfo,
    private readonly clientId?: string,
  ) {
    super(parent);
  }

  protected fields(): Readonly<Record<string, unknown>> {
    const { id, remote, proxy, transport } = this.conn;
    return {
      conn: id,
      remote,
      ...(proxy === undefined ? {} : { proxy }),
      transport,
      ...(this.clientId === undefined ? {} : { clientId: this.clientId }),
    };
  }

  child(bindings: Record<string, unknown>): Log {
    const keys = Object.keys(bindings);
    if (this.clientId === undefined && keys.length === 1 && typeof bindings.clientId === 'string')
      return new ConnectionLog(this.parent, this.conn, bindings.clientId);
    return new BoundLog(this.parent, { ...this.fields(), ...bindings });
  }
}
