/**
 * What a test opened (clients, child processes, servers, temp dirs) and must
 * not outlive it: everything registered here is ended by `closeAll()`, which
 * the suite fixture runs after each test.
 */

const open = new Set<() => Promise<void> | void>();

/** Registers a clean-up for the next `closeAll()`; the returned function unregisters it. */
export function onCleanup(dispose: () => Promise<void> | void): () => void {
  open.add(dispose);
  return () => open.delete(dispose);
}

/** Runs every registered clean-up, all at once; one that fails does not stop the others. */
export async function closeAll(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(
    all.map((d) =>
      Promise.resolve()
        .then(d)
        .catch(() => undefined),
    ),
  );
}
