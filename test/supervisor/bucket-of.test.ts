/**
 * The bot → bucket hash decides which runner polls a bot: every process, every
 * version, must compute the same bucket for the same id, or two versions in one
 * rolling deployment would both run (or both skip) a bot.
 */
import { expect, it } from "vitest"
import { bucketOf } from "../../src/supervisor/bucket-of.ts"

it("is FNV-1a over the id's 8 little-endian bytes, modulo the bucket count (values pinned)", () => {
  const pinned: ReadonlyArray<readonly [number, number, number]> = [
    [1, 580, 4],
    [2, 935, 39],
    [3, 134, 6],
    [1000, 732, 28],
    [123456789, 313, 57],
    [2 ** 32 + 7, 787, 19],
    [Number.MAX_SAFE_INTEGER, 496, 48]
  ]
  for (const [id, of1024, of64] of pinned) {
    expect(bucketOf(id, 1024)).toBe(of1024)
    expect(bucketOf(id, 64)).toBe(of64)
  }
})

it("spreads consecutive ids evenly over the buckets", () => {
  const counts = new Array<number>(64).fill(0)
  for (let id = 1; id <= 64_000; id++) counts[bucketOf(id, 64)]!++
  expect(Math.max(...counts) / 1000).toBeLessThan(1.1)
  expect(Math.min(...counts) / 1000).toBeGreaterThan(0.9)
})
