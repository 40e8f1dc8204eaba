// Ethernet addresses, kept as lower-case "aa:bb:cc:dd:ee:ff" text: they are compared and printed far
// more often than computed with.

export type Mac = string & { readonly __brand: 'Mac' };

export const MAC_BROADCAST = 'ff:ff:ff:ff:ff:ff' as Mac;
export const MAC_ZERO = '00:00:00:00:00:00' as Mac;

export function parseMac(text: string): Mac | undefined {
  const t = text.toLowerCase();
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(t) ? (t as Mac) : undefined;
}

export function macFromBytes(bytes: readonly number[]): Mac {
  return bytes.map((b) => (b & 255).toString(16).padStart(2, '0')).join(':') as Mac;
}

export function macBytes(m: Mac): number[] {
  return m.split(':').map((h) => parseInt(h, 16));
}

/** Group bit set: broadcast or multicast (`is_multicast_ether_addr`). */
export function isMulticastMac(m: Mac): boolean {
  return (parseInt(m.slice(0, 2), 16) & 1) === 1;
}

/** Numeric order of two MACs, as `br_stp_recalculate_bridge_id` compares them with memcmp. */
export function compareMac(a: Mac, b: Mac): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
