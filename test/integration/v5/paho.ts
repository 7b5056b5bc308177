import * as path from 'node:path';
import { uniqueId } from '../helpers/adapter';
import { Child, type Finished } from '../helpers/clients';

/** Debian's python has paho; the pyenv python3 on PATH does not. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../../test/integration/helpers/paho_v5.py');

export interface PahoMessage {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly properties: {
    readonly contentType?: string;
    readonly responseTopic?: string;
    readonly correlationData?: string;
    readonly userProperties?: [string, string][];
    readonly messageExpiryInterval?: number;
    readonly payloadFormatIndicator?: number;
    readonly subscriptionIdentifier?: number[];
  };
}

/** The paho MQTT 5 script subscribed for `count` messages; resolves after its SUBACK. */
export async function pahoV5Sub(
  port: number,
  topic: string,
  count: number,
  extra: string[] = [],
): Promise<Child> {
  const c = new Child(PYTHON, [
    SCRIPT,
    'sub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--count',
    String(count),
    '--client-id',
    uniqueId('paho5-sub'),
    ...extra,
  ]);
  await c.waitForOutput(/^subscribed \d+$/m, 15_000);
  return c;
}

/** The messages a finished subscriber printed. */
export function pahoMessages(f: Finished): PahoMessage[] {
  return f.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PahoMessage);
}

/** Publishes once with the paho MQTT 5 script (`extra`: --qos, --content-type, ...). */
export function pahoV5Pub(
  port: number,
  topic: string,
  message: string,
  extra: string[] = [],
): Promise<Finished> {
  return new Child(PYTHON, [
    SCRIPT,
    'pub',
    '--port',
    String(port),
    '--topic',
    topic,
    '--message',
    message,
    '--client-id',
    uniqueId('paho5-pub'),
    ...extra,
  ]).finished(25_000);
}
