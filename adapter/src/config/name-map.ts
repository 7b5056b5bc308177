/**
 * A setting that maps names to names (a port or a certificate identity to a
 * vhost), written either as `key=value,key=value` or, for names holding a
 * comma or `=`, as a JSON object. Pure: it returns the map and what is wrong.
 */
export interface NameMapParse {
  readonly map: Readonly<Record<string, string>>;
  readonly problems: readonly string[];
}

export function parseNameMap(text: string, keyProblem: (key: string) => string | undefined): NameMapParse {
  const trimmed = text.trim();
  if (trimmed === '') return { map: {}, problems: [] };
  const pairs = trimmed.startsWith('{') ? jsonPairs(trimmed) : listPairs(trimmed);
  if (typeof pairs === 'string') return { map: {}, problems: [pairs] };
  const map: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of pairs) {
    const bad = key === '' ? 'an empty name' : keyProblem(key);
    if (bad !== undefined) problems.push(`${JSON.stringify(key)}: ${bad}`);
    else if (value === '') problems.push(`${JSON.stringify(key)}: an empty vhost`);
    else if (Object.hasOwn(map, key)) problems.push(`${JSON.stringify(key)} is given twice`);
    else map[key] = value;
  }
  return { map: problems.length === 0 ? map : {}, problems };
}

function jsonPairs(text: string): [string, string][] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `not valid JSON: ${(err as Error).message}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'a JSON value here must be an object of names to vhosts';
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') return `${JSON.stringify(k)}: the vhost must be a string`;
    pairs.push([k, v]);
  }
  return pairs;
}

function listPairs(text: string): [string, string][] | string {
  const pairs: [string, string][] = [];
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    if (eq === -1) return `${JSON.stringify(entry.trim())} is not name=vhost`;
    pairs.push([entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()]);
  }
  return pairs;
}

/** Keys of a port map: a listener port, 1 to 65535. */
export const portKeyProblem = (key: string): string | undefined =>
  /^[0-9]{1,5}$/.test(key) && Number(key) >= 1 && Number(key) <= 65535
    ? undefined
    : 'not a port (1 to 65535)';
