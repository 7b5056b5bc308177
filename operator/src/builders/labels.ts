import { FIELD_MANAGER } from '../api/names';

/** The labels that select one listener's pods; they never change, as Deployment selectors are immutable. */
export function selectorLabels(listenerName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'mqtt-adapter', 'app.kubernetes.io/instance': listenerName };
}

export function commonLabels(listenerName: string): Record<string, string> {
  return {
    ...selectorLabels(listenerName),
    'app.kubernetes.io/component': 'adapter',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
  };
}

/** The selector in string form, as the scale subresource reads it from status.selector. */
export function selectorString(listenerName: string): string {
  return Object.entries(selectorLabels(listenerName))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
