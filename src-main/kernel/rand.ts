// The model's only source of chance: a seeded PRNG (sfc32), like smoltcp's `rand.rs`. Ephemeral
// ports, ISNs, NAT port offsets, reachable_time jitter and reuseport hash keys all come from here,
// so the same lab with the same seed gives the same event log, byte for byte.

export class Rand {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 expands one seed into the four words of state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }

  /** A new independent generator, so one subsystem's draws do not shift another's. */
  fork(): Rand {
    return new Rand(this.u32());
  }
}

/** A keyed 32-bit hash (jhash-like mixing), standing in for the kernel's siphash/jhash with a secret. */
export function keyedHash(key: number, ...words: number[]): number {
  let h = key >>> 0;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x9e3779b1) >>> 0;
    h = ((h << 13) | (h >>> 19)) >>> 0;
    h = Math.imul(h, 5) + 0xe6546b64;
    h >>>= 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
