import { parseAmqpUrls } from '../../../adapter/src/config/amqp-urls';
import type { MqttListenerSpec } from '../api/types.generated';

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
  const { secretName, urls } = spec.rabbitmq;
  const problem = (message: string): SpecProblem => ({ reason: 'InvalidSpec', message });
  if (secretName === undefined && urls === undefined)
    return [problem('spec.rabbitmq needs secretName or urls')];
  if (secretName !== undefined && urls !== undefined)
    return [problem('spec.rabbitmq takes secretName or urls, not both')];
  if (urls === undefined) return [];
  if (urls.length === 0) return [problem('spec.rabbitmq.urls is empty')];
  const found = parseAmqpUrls(urls.join(',')).problems.map((p) => problem(`spec.rabbitmq.urls: ${p}`));
  urls.forEach((u, i) => {
    if (u.includes(','))
      found.push(problem(`spec.rabbitmq.urls: entry ${i + 1} holds a comma; list each node once`));
    if (URL.canParse(u) && (new URL(u).username || new URL(u).password))
      found.push(
        problem(`spec.rabbitmq.urls: entry ${i + 1} carries credentials; clients log in as themselves`),
      );
  });
  return found;
}
