import { FieldReader, type FieldCheck } from './field-reader';

const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/** Where a packet holds an ill-formed string: a CONNECT's client id has a reason code of its own (0x85). */
export type Utf8Problem = 'client-id' | 'string';

/**
 * The first string field of a whole packet that holds ill-formed UTF-8 or
 * U+0000, among those the adapter routes or logs by: the CONNECT client id,
 * will topic and username (and, at MQTT 5, every string property), a PUBLISH
 * topic (and its MQTT 5 properties: Content Type, Response Topic, User
 * Properties), SUBSCRIBE and UNSUBSCRIBE filters (and their MQTT 5 properties).
 * mqtt-packet decodes strings without checking them (ill-formed bytes become
 * U+FFFD), but such a packet is malformed [MQTT-1.5.4-1] [MQTT-1.5.4-2], so
 * the raw frame is checked before it is parsed. A field cut short is left
 * for the parser to report.
 */
export function utf8Problem(frame: Buffer, protocolVersion: number): Utf8Problem | undefined {
  const r = new FieldReader(frame);
  switch (frame[0] >> 4) {
    case PUBLISH:
      return publishProblem(r, frame[0], protocolVersion === 5);
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      return filtersProblem(r, frame[0] >> 4 === SUBSCRIBE, protocolVersion === 5);
    case CONNECT:
      return connectProblem(r);
    default:
      return undefined;
  }
}

/** Whether a whole packet holds an ill-formed string (see utf8Problem). */
export function illFormedUtf8(frame: Buffer, protocolVersion: number): boolean {
  return utf8Problem(frame, protocolVersion) !== undefined;
}

function publishProblem(r: FieldReader, header: number, v5: boolean): Utf8Problem | undefined {
  const topic = r.string();
  if (topic !== 'ok' || !v5) return found(topic);
  if (header & 0x06) r.skip(2); // packet id, at QoS 1 and 2
  return found(r.properties());
}

function filtersProblem(r: FieldReader, subscribe: boolean, v5: boolean): Utf8Problem | undefined {
  r.skip(2); // packet id
  if (v5) {
    const props = r.properties();
    if (props !== 'ok') return found(props);
  }
  while (!r.done) {
    const s = r.string();
    if (s !== 'ok') return found(s);
    if (subscribe) r.skip(1); // subscription options
  }
  return undefined;
}

function connectProblem(r: FieldReader): Utf8Problem | undefined {
  r.string(); // protocol name, which the parser checks against MQTT/MQIsdp
  const level = r.byte();
  const flags = r.byte();
  if (level === undefined || flags === undefined) return undefined;
  r.skip(2); // keepalive
  const v5 = level === 5;
  if (v5) {
    const props = r.properties();
    if (props !== 'ok') return found(props);
  }
  const clientId = r.string();
  if (clientId !== 'ok') return clientId === 'bad' ? 'client-id' : undefined;
  const rest: (() => FieldCheck)[] = [];
  if (flags & 0x04) {
    if (v5) rest.push(() => r.properties());
    rest.push(
      () => r.string(), // will topic
      () => (r.binary() ? 'ok' : 'short'), // will payload, binary
    );
  }
  if (flags & 0x80) rest.push(() => r.string()); // username; the password is binary
  for (const check of rest) {
    const c = check();
    if (c !== 'ok') return found(c);
  }
  return undefined;
}

/** A check that did not pass: 'bad' is a problem, 'short' is the parser's to report. */
function found(check: FieldCheck): Utf8Problem | undefined {
  return check === 'bad' ? 'string' : undefined;
}
