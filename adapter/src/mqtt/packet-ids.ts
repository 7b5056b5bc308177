/**
 * Allocates MQTT packet identifiers (1..65535) for outbound QoS>0 messages.
 * An id stays taken until released, and allocation resumes after the last
 * id handed out, so a just-released id is not reused at once.
 */
export class PacketIdAllocator {
  private readonly used = new Set<number>();
  private next = 1;

  get size(): number {
    return this.used.size;
  }

  /** A free id, or undefined when all 65535 are in use. */
  allocate(): number | undefined {
    if (this.used.size >= 65535) return undefined;
    while (this.used.has(this.next)) this.next = this.next === 65535 ? 1 : this.next + 1;
    const id = this.next;
    this.used.add(id);
    this.next = id === 65535 ? 1 : id + 1;
    return id;
  }

  /** Marks an id taken, for ids restored from a resumed session. */
  reserve(id: number): void {
    this.used.add(id);
  }

  release(id: number): boolean {
    return this.used.delete(id);
  }
}
