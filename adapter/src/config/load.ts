import { readFileSync } from 'node:fs';
import { settings, type Config } from './settings';
import { onlyTls13Suites } from './tls-ciphers';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const CONFIG_FILE_ENV = 'MQTT_ADAPTER_CONFIG_FILE';

type Source = Readonly<Record<string, string | undefined>>;
type FileReader = (path: string) => string;

const readText: FileReader = (path) => readFileSync(path, 'utf8');

/**
 * Raw values by environment name. Precedence: the environment, then `<ENV>_FILE`
 * (for Secrets mounted as files), then the optional JSON config file.
 */
export function rawValues(env: Source, read: FileReader = readText): Record<string, string | undefined> {
  const fromFile = configFile(env, read);
  const out: Record<string, string | undefined> = {};
  for (const s of Object.values(settings)) {
    const direct = env[s.env];
    const filePath = env[`${s.env}_FILE`];
    if (direct !== undefined && direct !== '') out[s.env] = direct;
    else if (filePath) out[s.env] = readSecretFile(s.env, filePath, read);
    else out[s.env] = fromFile[s.env];
  }
  return out;
}

function readSecretFile(env: string, path: string, read: FileReader): string {
  try {
    return read(path).trim();
  } catch (err) {
    throw new ConfigError(`${env}_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
}

function configFile(env: Source, read: FileReader): Record<string, string> {
  const path = env[CONFIG_FILE_ENV];
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(path));
  } catch (err) {
    throw new ConfigError(`${CONFIG_FILE_ENV}: cannot load ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${CONFIG_FILE_ENV}: ${path} must hold a JSON object of setting names to values`);
  }
  const known = new Set(Object.values(settings).map((s) => s.env));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!known.has(k)) throw new ConfigError(`${CONFIG_FILE_ENV}: unknown setting ${k} in ${path}`);
    // A map setting may be written as a JSON object in the file; it reaches its schema as JSON text.
    out[k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Validates every setting and names each bad one; throws ConfigError listing them all. */
export function loadConfig(env: Source = process.env, read: FileReader = readText): Config {
  const raw = rawValues(env, read);
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settings)) {
    const value = raw[s.env];
    const result = s.schema.safeParse(value);
    if (result.success) out[key] = result.data;
    else {
      const shown = s.secret ? '(hidden)' : JSON.stringify(value);
      problems.push(`${s.env}=${shown}: ${result.error.issues.map((i) => i.message).join('; ')}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = out as Config;
  crossCheck(config, problems);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

function crossCheck(c: Config, problems: string[]): void {
  if (c.tlsCertFile && !c.tlsKeyFile)
    problems.push(`${settings.tlsKeyFile.env} is required when ${settings.tlsCertFile.env} is set`);
  if (Boolean(c.amqpTlsCertFile) !== Boolean(c.amqpTlsKeyFile))
    problems.push(
      `${settings.amqpTlsCertFile.env} and ${settings.amqpTlsKeyFile.env} are set together or not at all`,
    );
  if (c.tlsClientCert !== 'none' && !c.tlsCaFile)
    problems.push(
      `${settings.tlsCaFile.env} is required when ${settings.tlsClientCert.env}=${c.tlsClientCert}`,
    );
  if (c.tlsCertLogin !== 'off' && c.tlsClientCert !== 'required')
    problems.push(
      `${settings.tlsCertLogin.env}=${c.tlsCertLogin} needs ${settings.tlsClientCert.env}=required`,
    );
  if (c.tlsCertLogin !== 'off' && !c.certLoginSecret)
    problems.push(
      `${settings.certLoginSecret.env} is required when ${settings.tlsCertLogin.env}=${c.tlsCertLogin}`,
    );
  if (c.tlsCertLogin !== 'san' && (c.tlsCertLoginSanType !== 'any' || c.tlsCertLoginSanIndex !== 0))
    problems.push(
      `${settings.tlsCertLoginSanType.env} and ${settings.tlsCertLoginSanIndex.env} need ${settings.tlsCertLogin.env}=san`,
    );
  if (c.tlsMinVersion > c.tlsMaxVersion)
    problems.push(
      `${settings.tlsMinVersion.env}=${c.tlsMinVersion} is newer than ${settings.tlsMaxVersion.env}=${c.tlsMaxVersion}`,
    );
  if (c.tlsCiphers !== undefined && onlyTls13Suites(c.tlsCiphers) && c.tlsMinVersion !== 'TLSv1.3')
    problems.push(
      `${settings.tlsCiphers.env} names TLS 1.3 suites only, which leaves TLS 1.2 no cipher: set ${settings.tlsMinVersion.env}=TLSv1.3`,
    );
  if (Object.keys(c.vhostByCertificate).length > 0 && c.tlsCertLogin === 'off')
    problems.push(`${settings.vhostByCertificate.env} needs ${settings.tlsCertLogin.env} (cn, san or dn)`);
  if (c.willUser && !c.willPassword)
    problems.push(`${settings.willPassword.env} is required when ${settings.willUser.env} is set`);
  if (c.defaultUser && !c.defaultPassword)
    problems.push(`${settings.defaultPassword.env} is required when ${settings.defaultUser.env} is set`);
  const ports = [
    ['MQTT', c.mqttPort],
    ['HTTP', c.httpPort],
    ...(c.tlsCertFile ? [['TLS', c.tlsPort] as const] : []),
    ...(c.wsEnabled ? [['WS', c.wsPort] as const] : []),
  ] as const;
  const seen = new Map<number, string>();
  for (const [name, p] of ports) {
    if (p === 0) continue;
    const other = seen.get(p);
    if (other) problems.push(`${name} and ${other} listeners both use port ${p}`);
    seen.set(p, name);
  }
}
