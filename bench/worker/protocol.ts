/** Messages between the bench coordinator and its load-generator worker processes. */

export interface ClientSpec {
  readonly role: 'pub' | 'sub' | 'idle';
  /** Publisher number written into payloads; subscriber number otherwise. */
  readonly index: number;
  readonly clientId: string;
  /** Topic a publisher sends to; filter a subscriber subscribes to (unused for idle). */
  readonly topic: string;
  readonly qos: 0 | 1;
  readonly clean: boolean;
  /** Idle clients: subscribe to `topic` or hold a bare connection. */
  readonly subscribe?: boolean;
  /** MQTT protocol level: 4 (3.1.1, the default) or 5. */
  readonly version?: 4 | 5;
}

export interface Target {
  readonly protocol: 'mqtt' | 'amqp';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

export interface SetupCommand {
  readonly type: 'setup';
  readonly target: Target;
  readonly clients: readonly ClientSpec[];
  /** Source addresses to spread connections over (127.0.0.x). */
  readonly localAddresses: readonly string[];
  readonly connectConcurrency: number;
}

export interface StepCommand {
  readonly type: 'step';
  readonly step: number;
  /** Monotonic microseconds at which the first message is due. */
  readonly startUs: number;
  readonly durationMs: number;
  readonly ratePerPublisher: number;
}

export interface ReportCommand {
  readonly type: 'report';
  readonly step: number;
}

export interface TeardownCommand {
  readonly type: 'teardown';
  /** Reconnect persistent clients with a clean session so the system forgets them. */
  readonly cleanSessions: boolean;
}

export type Command = SetupCommand | StepCommand | ReportCommand | TeardownCommand;

export interface ReadyReply {
  readonly type: 'ready';
  readonly connected: number;
  readonly failed: number;
  readonly errors: readonly string[];
}

export interface StepReport {
  readonly type: 'report';
  readonly step: number;
  readonly sent: number;
  /** Messages due that the generator could not write (socket backlog or packet ids exhausted). */
  readonly notSent: number;
  readonly received: number;
  readonly duplicates: number;
  /** Latency from scheduled send time to receipt, µs, hdr-histogram compressed base64. */
  readonly latency: string;
  /** Lateness of the generator itself: actual minus scheduled send time, µs. */
  readonly sendLag: string;
  readonly closedConnections: number;
}

export interface DoneReply {
  readonly type: 'done';
}

export type Reply = ReadyReply | StepReport | DoneReply;
