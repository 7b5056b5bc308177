/** The longest AMQP short string, a consumer tag's bound, in bytes. */
const SHORTSTR_MAX = 255;

/**
 * The consumer tag of a ready queue's consumer: a ready queue's name does not
 * carry the client id, so its consumer does, for operators
 * (`rabbitmqctl list_consumers`). Unique on the connection through the queue's
 * name, which comes first and stays whole; a long client id is cut to fit.
 */
export function consumerTagFor(queue: string, clientId: string): string {
  let tag = `${queue} `;
  let bytes = Buffer.byteLength(tag);
  for (const c of clientId) {
    bytes += Buffer.byteLength(c);
    if (bytes > SHORTSTR_MAX) break;
    tag += c;
  }
  return tag;
}
