/**
 * PostgreSQL `bigint` columns decode to JavaScript numbers instead of BigInt.
 * Ids, Telegram ids (52 bits by Telegram's own guarantee) and money in tomans all
 * fit in 2^53; a value that does not is an error, never a silent rounding.
 */
import { PgTypes } from "@effect/sql-pg"
import { Result } from "effect"

const int8Codec: PgTypes.Codec<number | bigint> = {
  encode: (value) => {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigInt64(0, BigInt(value))
    return Result.succeed(bytes)
  },
  decode: (bytes) => {
    const big = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0)
    const n = Number(big)
    return Number.isSafeInteger(n)
      ? Result.succeed(n)
      : Result.fail(new PgTypes.CodecError({ message: `bigint ${big} does not fit in a JavaScript number` }))
  }
}

export const makeTypeRegistry = (): PgTypes.Registry => {
  const registry = PgTypes.makeRegistry()
  registry.register(PgTypes.OID.int8, int8Codec, { arrayOid: PgTypes.OID.int8Array })
  return registry
}
