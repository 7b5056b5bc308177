/** What the worker's scheduler and receivers need from a client, whatever its protocol. */

export interface Sender {
  readonly index: number;
  /** Builds the packet with `stamp` writing the payload stamp, and sends it; false when not sent. */
  send(stamp: (payload: Buffer, offset: number) => void): boolean;
  cork?(): void;
  uncork?(): void;
}

export interface Receiver {
  /** Called for every message with its payload. */
  onPayload: ((payload: Buffer) => void) | undefined;
}

export interface Closable {
  close(cleanSession: boolean): Promise<void>;
  readonly closed: boolean;
}
