import { settings, type Setting } from '../../../adapter/src/config/settings';
import type { MqttListenerSpecRebalance } from '../api/types.generated';
import { same, seconds } from './units';

interface RebalanceField {
  readonly setting: Setting;
  /** The setting's value for the field's: the spec counts in whole seconds and percent, as Kubernetes APIs do. */
  readonly value: (v: number | boolean) => string;
}

/**
 * The adapter setting behind each field of spec.rebalance. Keyed by the
 * CRD-generated type, so a field added to the CRD without its setting here
 * does not compile.
 */
export const REBALANCE_SETTINGS: Readonly<Record<keyof MqttListenerSpecRebalance, RebalanceField>> = {
  enabled: { setting: settings.rebalance, value: same },
  ratePerSecond: { setting: settings.rebalanceRate, value: same },
  tolerancePercent: { setting: settings.rebalanceTolerance, value: (v) => String(Number(v) / 100) },
  delaySeconds: { setting: settings.rebalanceDelayMs, value: seconds },
  intervalSeconds: { setting: settings.rebalanceIntervalMs, value: seconds },
  maxRounds: { setting: settings.rebalanceMaxRounds, value: same },
};

/** The rebalance settings the spec sets, in the order above; a field left out keeps the adapter's default. */
export function setRebalance(
  rebalance: MqttListenerSpecRebalance | undefined,
): { field: keyof MqttListenerSpecRebalance; setting: Setting; value: string }[] {
  return (Object.keys(REBALANCE_SETTINGS) as (keyof MqttListenerSpecRebalance)[]).flatMap((field) => {
    const v = rebalance?.[field];
    if (v === undefined) return [];
    const { setting, value } = REBALANCE_SETTINGS[field];
    return [{ field, setting, value: value(v) }];
  });
}

/**
 * Values the adapter would refuse at start (the CRD states the same bounds,
 * but an older CRD may not): each would crash-loop the pods instead.
 */
export function rebalanceProblems(rebalance: MqttListenerSpecRebalance | undefined): string[] {
  return setRebalance(rebalance).flatMap(({ field, setting, value }) => {
    const r = setting.schema.safeParse(value);
    return r.success ? [] : [`spec.rebalance.${field}: ${r.error.issues.map((i) => i.message).join('; ')}`];
  });
}
