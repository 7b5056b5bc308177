/** REST path of a resource collection or object, for core (`v1`) and group (`apps/v1`) API versions. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
