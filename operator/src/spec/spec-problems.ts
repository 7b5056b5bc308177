import { parseAmqpUrls } from '../../../adapter/src/config/amqp-urls';
import type { MqttListenerSpec } from '../api/types.generated';
import { cipherListProblem } from '../../../adapter/src/config/tls-ciphers';
import { limitProblems } from './limits';
import { rebalanceProblems } from './rebalance';

export interface SpecProblem {
  readonly reason: 'InvalidSpec';
  readonly message: string;
}

/**
 * What the operator refuses in a spec that got past the CRD schema (an older
 * CRD, or rules a schema cannot state): each problem blocks the listener with
 * a condition naming it, instead of pods that would crash at start.
 */
export function specProblems(spec: MqttListenerSpec): SpecProblem[] {
  return [
    ...rabbitmqProblems(spec),
    ...tlsProblems(spec),
    ...limitProblems(spec.limits),
    ...rebalanceProblems(spec.rebalance),
  ].map(problem);
}

const problem = (message: string): SpecProblem => ({ reason: 'InvalidSpec', message });

function rabbitmqProblems(spec: MqttListenerSpec): string[] {
  const { secretName, urls } = spec.rabbitmq;
  if (secretName === undefined && urls === undefined) return ['spec.rabbitmq needs secretName or urls'];
  if (secretName !== undefined && urls !== undefined)
    return ['spec.rabbitmq takes secretName or urls, not both'];
  if (urls === undefined) return [];
  if (urls.length === 0) return ['spec.rabbitmq.urls is empty'];
  const found = parseAmqpUrls(urls.join(',')).problems.map((p) => `spec.rabbitmq.urls: ${p}`);
  urls.forEach((u, i) => {
    if (u.includes(',')) found.push(`spec.rabbitmq.urls: entry ${i + 1} holds a comma; list each node once`);
    if (URL.canParse(u) && (new URL(u).username || new URL(u).password))
      found.push(`spec.rabbitmq.urls: entry ${i + 1} carries credentials; clients log in as themselves`);
  });
  return found;
}

/** Cipher names are OpenSSL's, which no schema knows: a name this Node lacks would stop the pods at start. */
function tlsProblems(spec: MqttListenerSpec): string[] {
  const ciphers = spec.tls?.ciphers;
  const bad = ciphers === undefined ? undefined : cipherListProblem(ciphers.join(':'));
  return bad === undefined ? [] : [`spec.tls.ciphers: ${bad}`];
}
