/** Names of the MqttListener API; keep identical to crds/ and the chart. */
export const GROUP = 'mqtt.adapter.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'MqttListener';
export const PLURAL = 'mqttlisteners';

/** Server-side apply field manager: the operator owns exactly the fields it sets. */
export const FIELD_MANAGER = 'mqtt-adapter-operator';

/** Pod template annotation whose change rolls the pods when a referenced Secret changes. */
export const SECRET_HASH_ANNOTATION = `${GROUP}/secret-hash`;

/** Listener annotation whose every new value asks the listener's pods for one rebalance. */
export const REBALANCE_ANNOTATION = `${GROUP}/rebalance`;
