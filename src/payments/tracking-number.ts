/** A card payment's tracking number: `C2C` + 16 upper-case hex digits (64 random bits), as the schema checks. */
import { randomBytes } from "node:crypto"

export const newTrackingNumber = (): string => `C2C${randomBytes(8).toString("hex").toUpperCase()}`

/** A wallet purchase's reference, unique like a tracking number. */
export const newWalletReference = (): string => `WAL${randomBytes(8).toString("hex").toUpperCase()}`
