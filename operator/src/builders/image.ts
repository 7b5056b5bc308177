/**
 * Image references in parts (registry, repository, tag, digest), the way the
 * chart's values and spec.image give them, so a mirror, a tag or a digest can
 * be changed alone.
 */
export interface ImageParts {
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** A first path component names a registry when it has a dot or a port, or is localhost (as docker reads it). */
const isRegistry = (part: string): boolean =>
  part.includes('.') || part.includes(':') || part === 'localhost';

/** Parses `[registry/]repository[:tag][@digest]`; throws naming what is wrong. */
export function parseImageReference(ref: string): ImageParts {
  const at = ref.indexOf('@');
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const named = at === -1 ? ref : ref.slice(0, at);
  const slash = named.indexOf('/');
  const first = slash === -1 ? '' : named.slice(0, slash);
  const registry = first && isRegistry(first) ? first : undefined;
  const rest = registry ? named.slice(slash + 1) : named;
  const colon = rest.lastIndexOf(':');
  const repository = colon === -1 ? rest : rest.slice(0, colon);
  const tag = colon === -1 ? undefined : rest.slice(colon + 1);
  if (!PATH.test(repository)) throw new Error(`image "${ref}": "${repository}" is not a repository name`);
  if (tag !== undefined && !TAG.test(tag)) throw new Error(`image "${ref}": "${tag}" is not a tag`);
  if (digest !== undefined && !DIGEST.test(digest))
    throw new Error(`image "${ref}": "${digest}" is not a digest`);
  return { repository, ...(registry && { registry }), ...(tag && { tag }), ...(digest && { digest }) };
}

export function formatImageReference(p: ImageParts): string {
  const name = p.registry ? `${p.registry}/${p.repository}` : p.repository;
  return `${name}${p.tag ? `:${p.tag}` : ''}${p.digest ? `@${p.digest}` : ''}`;
}

/**
 * The image a listener runs: each part spec.image sets, the operator's default
 * for the rest. The default's digest pins the default image only, so it is
 * dropped once the registry, repository or tag changes; a digest given in the
 * spec drops the default tag, which would only mislead beside it.
 */
export function resolveImage(spec: Partial<ImageParts> | undefined, fallback: string): string {
  const base = parseImageReference(fallback);
  if (!spec) return formatImageReference(base);
  const renamed = spec.registry !== undefined || spec.repository !== undefined || spec.tag !== undefined;
  return formatImageReference({
    registry: spec.registry ?? base.registry,
    repository: spec.repository ?? base.repository,
    tag: spec.digest !== undefined ? spec.tag : (spec.tag ?? base.tag),
    digest: spec.digest ?? (renamed ? undefined : base.digest),
  });
}
