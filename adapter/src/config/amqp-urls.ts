/**
 * Parses MQTT_ADAPTER_AMQP_URL: one RabbitMQ address, or the nodes of a
 * cluster as a comma-separated list. Each problem names the address by its
 * position and host only, since the text may carry credentials.
 */
export function parseAmqpUrls(text: string): { urls: string[]; problems: string[] } {
  const parts = text.split(',').map((p) => p.trim());
  const problems: string[] = [];
  const urls: string[] = [];
  const seen = new Map<string, number>();
  parts.forEach((part, i) => {
    const where = parts.length > 1 ? `address ${i + 1} of ${parts.length}` : 'the address';
    const checked = checkUrl(part);
    if (typeof checked === 'string') {
      problems.push(`${where} ${checked}`);
      return;
    }
    const node = `${checked.protocol}//${checked.host}`;
    const earlier = seen.get(node);
    if (earlier !== undefined) problems.push(`${where} repeats address ${earlier + 1} (${node})`);
    seen.set(node, i);
    urls.push(part);
  });
  return { urls, problems };
}

/** The parsed URL, or what is wrong with it. */
function checkUrl(text: string): URL | string {
  if (text === '') return 'is empty';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL (expected amqp://host:port or amqps://host:port)';
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:')
    return `(host ${url.hostname || '?'}) uses ${url.protocol}, not amqp: or amqps:`;
  if (url.hostname === '') return 'has no host';
  return url;
}
