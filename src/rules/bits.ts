/** Plain bit sets over piece indexes, for the per-connection state of the rules (O(1) per piece). */
export function bitSet(size: number): Uint8Array {
  return new Uint8Array(Math.ceil(size / 8))
}

export function hasBit(bits: Uint8Array, index: number): boolean {
  return ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
}

/** Set bit `index`; returns true when it was clear. */
export function setBit(bits: Uint8Array, index: number): boolean {
  const byte = index >> 3
  const mask = 0x80 >> (index & 7)
  const old = bits[byte]
  if (old === undefined || (old & mask) !== 0) return false
  bits[byte] = old | mask
  return true
}
