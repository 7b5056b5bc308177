import { settings, type Setting } from '../../../adapter/src/config/settings';
import type { MqttListenerSpecLimits } from '../api/types.generated';
import { same, seconds } from './units';

interface LimitField {
  readonly setting: Setting;
  /** The setting's value for the field's. */
  readonly value: (v: number) => string;
}

/** A field in the setting's own unit. */
const plain = (setting: Setting): LimitField => ({ setting, value: same });

/**
 * The adapter setting behind each field of spec.limits: the pod env is
 * rendered from it, and a value is checked against the setting's own bounds.
 * Keyed by the CRD-generated type, so a field added to the CRD without its
 * setting here does not compile.
 */
export const LIMIT_SETTINGS: Readonly<Record<keyof MqttListenerSpecLimits, LimitField>> = {
  maxConnections: plain(settings.maxConnections),
  maxPacketSize: plain(settings.maxPacketSize),
  inflightWindow: plain(settings.inflightWindow),
  sessionExpirySeconds: plain(settings.sessionExpiryMax),
  maxSubscriptionsPerClient: plain(settings.maxSubscriptionsPerClient),
  maxInflightQos2: plain(settings.maxInflightQos2),
  maxPacketSizeUnauthenticated: plain(settings.maxPacketSizeUnauthenticated),
  maxKeepAliveSeconds: plain(settings.maxKeepAlive),
  maxQos: plain(settings.maxQos),
  connectTimeoutSeconds: { setting: settings.connectTimeoutMs, value: seconds },
  readyQueues: plain(settings.readyQueues),
};

/** The limits the spec sets, each with its setting and the setting's value, in the order above. */
export function setLimits(
  limits: MqttListenerSpecLimits,
): { field: keyof MqttListenerSpecLimits; setting: Setting; value: string }[] {
  return (Object.keys(LIMIT_SETTINGS) as (keyof MqttListenerSpecLimits)[]).flatMap((field) => {
    const v = limits[field];
    if (v === undefined) return [];
    const { setting, value } = LIMIT_SETTINGS[field];
    return [{ field, setting, value: value(v) }];
  });
}

/**
 * Limits the adapter would refuse at start (the CRD states the same bounds,
 * but an older CRD may not): each would crash-loop the pods instead.
 */
export function limitProblems(limits: MqttListenerSpecLimits): string[] {
  return setLimits(limits).flatMap(({ field, setting, value }) => {
    const r = setting.schema.safeParse(value);
    return r.success ? [] : [`spec.limits.${field}: ${r.error.issues.map((i) => i.message).join('; ')}`];
  });
}
