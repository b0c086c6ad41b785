import { randomBytes } from "node:crypto"
import type { PhotoSize } from "./types.ts"

export type FileKind = "photo" | "document" | "sticker"

export interface StoredFile {
  fileId: string
  fileUniqueId: string
  ownerBotId: number
  kind: FileKind
  bytes: Uint8Array
  filePath: string
  fileName: string | undefined
  mimeType: string | undefined
  width: number
  height: number
}

/** A valid 1×1 PNG, the default bytes of injected photos. */
export const TINY_PNG: Uint8Array = new Uint8Array(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64"
  )
)

/** Minimal RIFF/WEBP header; stickers only need to look like one. */
export const TINY_WEBP: Uint8Array = new Uint8Array(
  Buffer.from("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA", "base64")
)

// Prefixes mimic real file_ids so logs and fixtures look familiar.
const ID_PREFIX: Record<FileKind, string> = {
  photo: "AgACAgIAAxkBAA",
  document: "BQACAgIAAxkBAA",
  sticker: "CAACAgIAAxkBAA"
}
const PATH_DIR: Record<FileKind, string> = { photo: "photos", document: "documents", sticker: "stickers" }

const MIME_BY_EXT: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  zip: "application/zip",
  mp4: "video/mp4",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

const extOf = (name: string | undefined): string | undefined => {
  const m = name === undefined ? null : /\.([A-Za-z0-9]{1,8})$/.exec(name)
  return m ? m[1]!.toLowerCase() : undefined
}

export const mimeOf = (fileName: string | undefined): string | undefined => {
  const ext = extOf(fileName)
  return ext === undefined ? undefined : MIME_BY_EXT[ext]
}

/** Image dimensions, or undefined when the bytes are not a picture Telegram would accept. */
export function imageSize(b: Uint8Array): { width: number; height: number } | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { width: dv.getUint32(16), height: dv.getUint32(20) }
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { width: dv.getUint16(6, true), height: dv.getUint16(8, true) }
  }
  if (
    b.length >= 12 &&
    Buffer.from(b.subarray(0, 4)).toString("latin1") === "RIFF" &&
    Buffer.from(b.subarray(8, 12)).toString("latin1") === "WEBP"
  ) {
    return { width: 512, height: 512 }
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    let i = 2
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return { width: 800, height: 600 }
      const marker = b[i + 1]!
      const len = dv.getUint16(i + 2)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: dv.getUint16(i + 7), height: dv.getUint16(i + 5) }
      }
      i += 2 + len
    }
    return { width: 800, height: 600 }
  }
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return { width: 800, height: 600 }
  return undefined
}

export class FileStore {
  private readonly byId = new Map<string, StoredFile>()
  private readonly byPath = new Map<string, StoredFile>()
  private readonly thumbs = new Map<string, StoredFile>()
  private seq = 0

  add(
    ownerBotId: number,
    kind: FileKind,
    bytes: Uint8Array,
    opts: { fileName?: string; mimeType?: string } = {}
  ): StoredFile {
    const n = ++this.seq
    const size = kind === "document" ? undefined : imageSize(bytes)
    const ext = extOf(opts.fileName) ?? (kind === "photo" ? "jpg" : kind === "sticker" ? "webp" : "dat")
    const file: StoredFile = {
      fileId: `${ID_PREFIX[kind]}${Buffer.from(`${ownerBotId}:${n}:`).toString("base64url")}${randomBytes(9).toString("base64url")}`,
      fileUniqueId: `AQAD${Buffer.from(String(n)).toString("base64url")}`,
      ownerBotId,
      kind,
      bytes,
      filePath: `${PATH_DIR[kind]}/file_${n}.${ext}`,
      fileName: opts.fileName,
      mimeType: opts.mimeType ?? mimeOf(opts.fileName),
      width: size?.width ?? 512,
      height: size?.height ?? 512
    }
    this.byId.set(file.fileId, file)
    this.byPath.set(file.filePath, file)
    return file
  }

  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId)
  }

  getByPath(path: string): StoredFile | undefined {
    return this.byPath.get(path)
  }

  /** Telegram hands out a thumbnail next to the original; bots that keep photo[0] get the small one. */
  photoSizes(file: StoredFile, thumb: StoredFile): PhotoSize[] {
    return [
      {
        file_id: thumb.fileId,
        file_unique_id: thumb.fileUniqueId,
        width: thumb.width,
        height: thumb.height,
        file_size: thumb.bytes.length
      },
      {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        width: file.width,
        height: file.height,
        file_size: file.bytes.length
      }
    ]
  }

  /** Stores a photo as Telegram would: the original plus a 90px thumbnail (same bytes here). */
  addPhoto(ownerBotId: number, bytes: Uint8Array): { file: StoredFile; sizes: PhotoSize[] } {
    const file = this.add(ownerBotId, "photo", bytes)
    const thumb = this.add(ownerBotId, "photo", bytes)
    const scale = Math.min(1, 90 / Math.max(file.width, file.height, 1))
    thumb.width = Math.max(1, Math.round(file.width * scale))
    thumb.height = Math.max(1, Math.round(file.height * scale))
    this.thumbs.set(file.fileId, thumb)
    return { file, sizes: this.photoSizes(file, thumb) }
  }

  /** Sizes of an already stored photo, for re-sending it by file_id. */
  sizesOf(file: StoredFile): PhotoSize[] {
    const thumb = this.thumbs.get(file.fileId) ?? file
    return thumb === file ? this.photoSizes(file, file).slice(1) : this.photoSizes(file, thumb)
  }
}
