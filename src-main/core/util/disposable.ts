/** Something that holds a resource (a subscription, a timer, a socket) until disposed. */
export interface Disposable {
  dispose(): void;
}

/** Collects disposables and releases them in reverse order, once. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Adds an item; if the store is already disposed the item is disposed at once. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Number of items still held, so tests can check that nothing leaks. */
  get size(): number {
    return this.items.length;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of this.items.splice(0).reverse()) item.dispose();
  }
}

/** Wraps a cleanup function as a disposable that runs at most once. */
export function toDisposable(cleanup: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      cleanup();
    },
  };
}
