/**
 * Tenants are hashed onto a fixed number of buckets; a bucket is the unit of
 * ownership (one cluster singleton each), so the cluster engine's cost stays
 * fixed however many bots there are. The hash must be stable across processes,
 * versions and restarts: FNV-1a over the id's 8 bytes, then a modulo.
 */
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

export const bucketOf = (botId: number, buckets: number): number => {
  let hash = FNV_OFFSET
  let value = BigInt.asUintN(64, BigInt(botId))
  for (let i = 0; i < 8; i++) {
    hash ^= Number(value & 0xffn)
    hash = Math.imul(hash, FNV_PRIME) >>> 0
    value >>= 8n
  }
  return hash % buckets
}
