import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** What this build is: shown by --version, logged at start, exported as `*_build_info`. */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  /** The Node.js it runs on. */
  readonly node: string;
}

/** build/build-info.json is written next to the compiled code by the build (scripts/build-info.mjs). */
const FILE = path.resolve(__dirname, '../../../build-info.json');

/** The build's version and commit; "unknown" for either when the build wrote none (a bare `tsc`). */
export function buildInfo(file = FILE): BuildInfo {
  let written: Partial<Record<'version' | 'commit', unknown>> = {};
  try {
    written = JSON.parse(readFileSync(file, 'utf8')) as typeof written;
  } catch {
    // Absent or unreadable: the build ran without the script; say so rather than fail to start.
  }
  const text = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : 'unknown');
  return { version: text(written.version), commit: text(written.commit), node: process.versions.node };
}
