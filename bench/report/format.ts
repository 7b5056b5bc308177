import type { SystemName } from '../systems/types';
import { median } from '../run/results';

/** Formatting shared by the result tables. */

export function num(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function ms(us: number): string {
  if (!Number.isFinite(us)) return '–';
  return num(us / 1000, us < 10_000 ? 2 : 1);
}

export function kib(bytes: number): string {
  return Number.isFinite(bytes) ? num(bytes / 1024, 2) : '–';
}

/** The adapter's figure divided by another system's, as `1.23×`. */
export function ratio(adapter: number, other: number): string {
  if (!Number.isFinite(adapter) || !Number.isFinite(other) || other === 0) return '–';
  return `${num(adapter / other, 2)}×`;
}

/** The median over repetitions of one figure of one system's results. */
export function med<T>(xs: readonly T[] | undefined, f: (x: T) => number): number {
  return xs && xs.length ? median(xs.map(f)) : NaN;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const LABEL: Record<SystemName, string> = {
  adapter: 'adapter',
  'rabbitmq-mqtt': 'RabbitMQ MQTT plugin',
  mosquitto: 'Mosquitto',
  aedes: 'Aedes',
  'amqp-ceiling': 'raw AMQP (ceiling)',
};
