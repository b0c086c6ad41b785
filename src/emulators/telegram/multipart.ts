// grammY writes multipart headers as `content-disposition:form-data;name="x"`
// and unquoted `filename=photo.jpg`, which undici's FormData parser rejects;
// hence this small, lenient parser.

export interface UploadedFile {
  readonly kind: "upload"
  readonly bytes: Uint8Array
  readonly filename: string | undefined
  readonly contentType: string | undefined
}

export function isUploadedFile(v: unknown): v is UploadedFile {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "upload"
}

export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m ? (m[1] ?? m[2]) : undefined
}

function dispositionParam(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i")
  const m = re.exec(header)
  if (!m) return undefined
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]?.trim()
}

/** Fields as strings, files as UploadedFile; throws on a malformed body. */
export function parseMultipart(body: Buffer, boundary: string): Map<string, string | UploadedFile> {
  const out = new Map<string, string | UploadedFile>()
  const delimiter = Buffer.from(`--${boundary}`)
  let pos = body.indexOf(delimiter)
  if (pos < 0) throw new Error("multipart boundary not found")
  for (;;) {
    pos += delimiter.length
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2
    const headerEnd = body.indexOf("\r\n\r\n", pos)
    if (headerEnd < 0) throw new Error("multipart part without header terminator")
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4)
    if (next < 0) throw new Error("multipart part without closing boundary")
    const headers = new Map<string, string>()
    for (const line of body.subarray(pos, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":")
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const disposition = headers.get("content-disposition") ?? ""
    const name = dispositionParam(disposition, "name")
    const content = body.subarray(headerEnd + 4, next)
    if (name !== undefined) {
      const filename = dispositionParam(disposition, "filename")
      if (filename !== undefined || headers.has("content-type")) {
        out.set(name, {
          kind: "upload",
          bytes: new Uint8Array(content),
          filename,
          contentType: headers.get("content-type")
        })
      } else {
        out.set(name, content.toString("utf8"))
      }
    }
    pos = next + 2
  }
  return out
}
