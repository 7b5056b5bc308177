interface Slot<A> {
  answered: boolean;
  answer: A | undefined;
  readonly send: (a: A) => void;
}

/**
 * Sends answers in the order their requests arrived, each once its own answer
 * and every earlier one are known: the PUBACKs of one client go out in the
 * order of its PUBLISHes [MQTT-4.6.0-2], however RabbitMQ's confirms come
 * back. One pending slot per request and one callback on its answer, rather
 * than a chain of promises that each wait for the one before.
 */
export class AnswerOrder<A> {
  private slots: (Slot<A> | undefined)[] = [];
  private head = 0;
  /** Requests added, and answers sent, since the start: a wait for "all so far" is a count to reach. */
  private added = 0;
  private sent = 0;
  private waiters: { readonly upTo: number; readonly resolve: () => void }[] = [];

  /** `answer` must not reject: a failure is an answer too. */
  add(answer: Promise<A>, send: (a: A) => void): void {
    const slot: Slot<A> = { answered: false, answer: undefined, send };
    this.slots.push(slot);
    this.added++;
    void answer.then((a) => {
      slot.answer = a;
      slot.answered = true;
      this.flush();
    });
  }

  /** Resolves once every request added so far has had its answer sent. */
  settled(): Promise<void> {
    if (this.sent >= this.added) return Promise.resolve();
    const upTo = this.added;
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  private flush(): void {
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head] as Slot<A>;
      if (!slot.answered) break;
      this.slots[this.head++] = undefined;
      this.sent++;
      slot.send(slot.answer as A);
    }
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.slots.length) {
      // A long-unanswered head keeps the array from emptying: drop the sent part now and then.
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    if (this.waiters.length === 0) return;
    const still = this.waiters.filter((w) => w.upTo > this.sent);
    for (const w of this.waiters) if (w.upTo <= this.sent) w.resolve();
    this.waiters = still;
  }
}
