/**
 * Allocates MQTT packet identifiers (1..65535) for outbound QoS>0 messages.
 * An id stays taken until released, and allocation resumes after the last
 * id handed out, so a just-released id is not reused at once.
 */
export class PacketIdAllocator {
  /** Made on first use: a client that is never sent QoS > 0 needs none. */
  private used: Set<number> | undefined;
  private next = 1;

  get size(): number {
    return this.used?.size ?? 0;
  }

  /** A free id, or undefined when all 65535 are in use. */
  allocate(): number | undefined {
    const used = (this.used ??= new Set());
    if (used.size >= 65535) return undefined;
    while (used.has(this.next)) this.next = this.next === 65535 ? 1 : this.next + 1;
    const id = this.next;
    used.add(id);
    this.next = id === 65535 ? 1 : id + 1;
    return id;
  }

  /** Marks an id taken, for ids restored from a resumed session. */
  reserve(id: number): void {
    (this.used ??= new Set()).add(id);
  }

  release(id: number): boolean {
    return this.used?.delete(id) ?? false;
  }
}
