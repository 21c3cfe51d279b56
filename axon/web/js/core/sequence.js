// Sequence and gap rules, the browser twin of axon/domain/sequence.py.
// A reader that applied everything up to `applied` and receives `seq`:
//   seq <= applied      duplicate: drop it
//   seq == applied + 1  next: apply it
//   seq >  applied + 1  gap: events applied+1 .. seq-1 were missed; fetch them first

export const DUPLICATE = "duplicate";
export const NEXT = "next";
export const GAP = "gap";

export function classify(applied, seq) {
  if (seq <= applied) return DUPLICATE;
  if (seq === applied + 1) return NEXT;
  return GAP;
}

/** Per-key positions with out-of-order buffering: offer() returns what became applicable. */
export class SeqTracker {
  constructor(positions = {}) {
    this.applied = new Map(Object.entries(positions));
    this.held = new Map();
  }

  position(key) {
    return this.applied.get(key) || 0;
  }

  /** Raise a position without applying anything (a snapshot says we are already there). */
  advance(key, seq) {
    if (seq > this.position(key)) this.applied.set(key, seq);
    const held = this.held.get(key);
    if (held) for (const s of [...held.keys()]) if (s <= seq) held.delete(s);
    return this.drain(key, []);
  }

  offer(key, seq, item) {
    const kind = classify(this.position(key), seq);
    if (kind === DUPLICATE) return [];
    if (kind === GAP) {
      if (!this.held.has(key)) this.held.set(key, new Map());
      this.held.get(key).set(seq, item);
      return [];
    }
    this.applied.set(key, seq);
    return this.drain(key, [item]);
  }

  drain(key, ready) {
    const held = this.held.get(key);
    let applied = this.position(key);
    while (held && held.has(applied + 1)) {
      applied += 1;
      ready.push(held.get(applied));
      held.delete(applied);
    }
    this.applied.set(key, applied);
    if (held && held.size === 0) this.held.delete(key);
    return ready;
  }

  /** The first missing range of a key, or null: {first, last}. */
  gap(key) {
    const held = this.held.get(key);
    if (!held || held.size === 0) return null;
    return { first: this.position(key) + 1, last: Math.min(...held.keys()) - 1 };
  }

  forget(key) {
    this.applied.delete(key);
    this.held.delete(key);
  }

  snapshot() {
    return Object.fromEntries(this.applied);
  }
}
