/**
 * The spec counts time in whole seconds, as Kubernetes APIs do; the adapter's
 * settings take milliseconds.
 */
export const same = (v: number | boolean): string => String(v);
export const seconds = (v: number | boolean): string => String(Number(v) * 1000);
