import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/**
 * @kubernetes/client-node is ESM-only and this package compiles to CommonJS,
 * so the runtime is loaded with import(); everywhere else imports types only.
 */
export type ClientNode = typeof K8s;

let loaded: Promise<ClientNode> | undefined;
export const clientNode = (): Promise<ClientNode> => (loaded ??= import('@kubernetes/client-node'));
