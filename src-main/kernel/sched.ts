// The model's clock and work queue. Nothing in the kernel reads a wall clock: time advances only when
// the runner calls `runUntil`, and every timer or deferred softirq is a task on this queue. Tasks at
// the same time run in the order they were queued, which is how the per-CPU backlog of `netif_rx`
// keeps the kernel's order (a bridge's flooded copies are processed after the frame that caused them).

/** Microseconds. */
export type Micros = number;
export const MS = 1000;
export const SEC = 1_000_000;

interface Task {
  readonly t: Micros;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
}

export class Scheduler {
  private nowT: Micros = 0;
  private seq = 0;
  private heap: Task[] = [];

  now(): Micros {
    return this.nowT;
  }

  at(t: Micros, fn: () => void): TimerHandle {
    const task: Task = { t: Math.max(t, this.nowT), seq: this.seq++, fn, cancelled: false };
    this.push(task);
    return { cancel: () => void (task.cancelled = true) };
  }

  after(dt: Micros, fn: () => void): TimerHandle {
    return this.at(this.nowT + dt, fn);
  }

  /** The time of the next pending task, or undefined when the queue is empty (`poll_at`). */
  nextDeadline(): Micros | undefined {
    this.dropCancelled();
    return this.heap[0]?.t;
  }

  /** Runs every task due at or before `until`, then sets the clock to `until`. */
  runUntil(until: Micros, stop?: () => boolean): void {
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.t > until) break;
      this.pop();
      this.nowT = top.t;
      top.fn();
      if (stop?.()) return;
    }
    this.nowT = Math.max(this.nowT, until);
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Task, b: Task): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }

  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Task | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
