/** Rejects when `promise` has not settled within `ms`, so a hang fails the test with a message. */
export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: still waiting after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
