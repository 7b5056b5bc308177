import { createSecureContext, getCiphers } from 'node:tls';

const known = new Set(getCiphers().map((c) => c.toLowerCase()));

/**
 * What is wrong with an OpenSSL cipher list for the listeners, if anything.
 * OpenSSL skips a name it does not know as long as another entry matches, so
 * a typo would quietly narrow the list: every entry that names one suite
 * (`ECDHE-RSA-AES128-GCM-SHA256`, `TLS_AES_128_GCM_SHA256`) must be one this
 * Node knows. Keywords (`HIGH`, `ECDHE`, `!aNULL`) go to OpenSSL as they are.
 */
export function cipherListProblem(list: string): string | undefined {
  const unknown = list
    .split(':')
    .map((e) => e.trim())
    .filter((e) => /^[A-Za-z0-9]+(-[A-Za-z0-9]+)+$|^TLS_/.test(e) && !known.has(e.toLowerCase()));
  if (unknown.length > 0) return `unknown cipher ${unknown.join(', ')}`;
  try {
    createSecureContext({ ciphers: list });
    return undefined;
  } catch (err) {
    return `OpenSSL takes no cipher from it (${(err as Error).message})`;
  }
}

/** True when the list names TLS 1.3 suites only, which leaves TLS 1.2 without a cipher. */
export const onlyTls13Suites = (list: string): boolean =>
  list.split(':').every((e) => e.trim().toUpperCase().startsWith('TLS_'));
