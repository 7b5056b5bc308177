import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import { PAYLOAD_SIZE } from '../wire/payload';
import { PublishTemplate } from '../wire/packets';
import type { ClientSpec, Target } from './protocol';
import type { Closable, Receiver, Sender } from './roles';

/** A load-generator client speaking MQTT: publisher, subscriber or idle connection. */
export class MqttClient implements Sender, Receiver, Closable {
  private readonly template: PublishTemplate | undefined;
  onPayload: ((payload: Buffer) => void) | undefined;

  private constructor(
    private conn: MqttConn,
    private readonly spec: ClientSpec,
    private readonly target: Target,
    private readonly at: Endpoint,
  ) {
    this.template = spec.role === 'pub' ? new PublishTemplate(spec.topic, spec.qos, PAYLOAD_SIZE) : undefined;
    conn.onMessage = (payload) => this.onPayload?.(payload);
  }

  static async open(spec: ClientSpec, target: Target, at: Endpoint): Promise<MqttClient> {
    const conn = await MqttConn.open(at, {
      clientId: spec.clientId,
      clean: spec.clean,
      username: target.username,
      password: target.password,
      keepalive: 0,
      version: spec.version,
    });
    if (spec.role === 'sub' || (spec.role === 'idle' && spec.subscribe))
      await conn.subscribe(spec.topic, spec.qos);
    return new MqttClient(conn, spec, target, at);
  }

  get index(): number {
    return this.spec.index;
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  send(stamp: (payload: Buffer, offset: number) => void): boolean {
    const t = this.template as PublishTemplate;
    let id = 0;
    if (t.qos > 0) {
      const allocated = this.conn.allocateId();
      if (allocated === undefined) return false;
      id = allocated;
    }
    const b = t.copy(id);
    stamp(b, t.payloadOffset);
    return this.conn.write(b);
  }

  cork(): void {
    this.conn.cork();
  }

  uncork(): void {
    this.conn.uncork();
  }

  async close(cleanSession: boolean): Promise<void> {
    await this.conn.disconnect();
    if (cleanSession && !this.spec.clean) {
      // A clean CONNECT removes the persistent session (and its queue) [MQTT-3.1.2-6].
      const c = await MqttConn.open(this.at, {
        clientId: this.spec.clientId,
        clean: true,
        username: this.target.username,
        password: this.target.password,
        keepalive: 0,
      }).catch(() => undefined);
      await c?.disconnect();
    }
  }
}
