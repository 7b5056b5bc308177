import { readFileSync } from 'node:fs';
import { ConfigError } from './load';

/** A PEM file a setting names, read at start; an unreadable one stops the start, naming the setting. */
export function readPem(env: string, path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${env}: cannot read ${path}: ${(err as Error).message}`);
  }
}
