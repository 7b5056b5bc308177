import * as path from 'node:path';

/**
 * A module of amqplib's own (`lib/defs`, say), which its package exports do
 * not list: loaded by file path beside its entry point, or undefined when this
 * amqplib has no such file. Callers check the shape of what they get.
 */
export function amqplibModule(name: string): Record<string, unknown> | undefined {
  try {
    const root = path.dirname(require.resolve('amqplib'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file path, not a package entry point
    return require(path.join(root, 'lib', `${name}.js`)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
