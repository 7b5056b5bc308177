/** The subset of an OpenAPI v3 structural schema that the MqttListener CRD uses. */
export interface SchemaProps {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaProps>>;
  readonly required?: readonly string[];
  readonly items?: SchemaProps;
  readonly additionalProperties?: SchemaProps;
  readonly enum?: readonly (string | number)[];
  readonly pattern?: string;
  readonly default?: unknown;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface CrdVersion {
  readonly name: string;
  readonly schema: { readonly openAPIV3Schema: SchemaProps };
}

export interface CrdDocument {
  readonly spec: { readonly names: { readonly kind: string }; readonly versions: readonly CrdVersion[] };
}

export function isCrdDocument(doc: unknown): doc is CrdDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const spec = (doc as { spec?: { names?: { kind?: unknown }; versions?: unknown } }).spec;
  return typeof spec?.names?.kind === 'string' && Array.isArray(spec.versions);
}
