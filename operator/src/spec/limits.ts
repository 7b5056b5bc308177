import { settings, type Setting } from '../../../adapter/src/config/settings';
import type { MqttListenerSpecLimits } from '../api/types.generated';

/**
 * The adapter setting behind each field of spec.limits: the pod env is
 * rendered from it, and a value is checked against the setting's own bounds.
 * Keyed by the CRD-generated type, so a field added to the CRD without its
 * setting here does not compile.
 */
export const LIMIT_SETTINGS: Readonly<Record<keyof MqttListenerSpecLimits, Setting>> = {
  maxConnections: settings.maxConnections,
  maxPacketSize: settings.maxPacketSize,
  inflightWindow: settings.inflightWindow,
  sessionExpirySeconds: settings.sessionExpiryMax,
  maxSubscriptionsPerClient: settings.maxSubscriptionsPerClient,
  maxInflightQos2: settings.maxInflightQos2,
  maxPacketSizeUnauthenticated: settings.maxPacketSizeUnauthenticated,
  maxKeepAliveSeconds: settings.maxKeepAlive,
};

/** The limits the spec sets, each with its setting, in the order above. */
export function setLimits(
  limits: MqttListenerSpecLimits,
): { field: keyof MqttListenerSpecLimits; setting: Setting; value: number }[] {
  return (Object.keys(LIMIT_SETTINGS) as (keyof MqttListenerSpecLimits)[]).flatMap((field) => {
    const value = limits[field];
    return value === undefined ? [] : [{ field, setting: LIMIT_SETTINGS[field], value }];
  });
}

/**
 * Limits the adapter would refuse at start (the CRD states the same bounds,
 * but an older CRD may not): each would crash-loop the pods instead.
 */
export function limitProblems(limits: MqttListenerSpecLimits): string[] {
  return setLimits(limits).flatMap(({ field, setting, value }) => {
    const r = setting.schema.safeParse(String(value));
    return r.success ? [] : [`spec.limits.${field}: ${r.error.issues.map((i) => i.message).join('; ')}`];
  });
}
