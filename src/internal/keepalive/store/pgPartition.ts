/**
 * Which partition of the PostgreSQL store a session belongs to. Every row carries a fixed `bucket`
 * (0 to 1023), a pure function of its session id: a 32-bit FNV-1a hash of the id's UTF-16 code
 * units (session ids are ASCII, so these are its bytes), mixed by MurmurHash3's 32-bit finalizer so
 * that the low 10 bits depend on every character, then taken mod 1024. Partition `index` of `count`
 * holds the buckets `b` with `b % count === index`: a fleet can change `count` (1 to 1024) without
 * rewriting a row, and every row is in exactly one partition for any `count`.
 *
 * @internal
 */

/** How many buckets the rows are spread over; the largest partition count. */
export const bucketCount = 1024

/** The bucket of a session id (0 to 1023). Stable: stored in every row, never change it. */
export const bucketOf = (sessionId: string): number => {
  let hash = 0x811c9dc5
  for (let index = 0; index < sessionId.length; index++) {
    hash = Math.imul(hash ^ sessionId.charCodeAt(index), 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) % bucketCount
}

/** Why `index` of `count` is not a partition, or `undefined` when it is one. */
export const invalidPartition = (index: number, count: number): string | undefined =>
  !Number.isSafeInteger(count) || count < 1 || count > bucketCount
    ? `count must be an integer from 1 to ${bucketCount}, got ${String(count)}`
    : !Number.isSafeInteger(index) || index < 0 || index >= count
    ? `index must be an integer from 0 to ${count - 1}, got ${String(index)}`
    : undefined

/** The partition (0 to `count - 1`) of a session id among `count` (1 to 1024); `NaN` for another `count`. */
export const partitionOf = (sessionId: string, count: number): number =>
  Number.isSafeInteger(count) && count >= 1 && count <= bucketCount ? bucketOf(sessionId) % count : Number.NaN

/** The buckets of partition `index` of `count`, ascending. */
export const bucketsOf = (index: number, count: number): ReadonlyArray<number> => {
  const buckets: Array<number> = []
  for (let bucket = index; bucket < bucketCount; bucket += count) buckets.push(bucket)
  return buckets
}
