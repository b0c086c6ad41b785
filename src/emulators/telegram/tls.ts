/**
 * The emulator over TLS (issue 17): a throwaway CA generated at start (RSA keys made by
 * Node's crypto, certificates by node-forge, ≈ 100 ms), a server certificate it signs for
 * the loopback names, and a server that offers HTTP/2 by ALPN (`h2`, with HTTP/1.1
 * for clients that do not ask for it — as api.telegram.org does) or HTTP/1.1 only
 * (as a self-hosted tdlib/telegram-bot-api behind a TLS front). Both run the very
 * handler of the plain-HTTP server (server.ts): every fidelity rule holds over each.
 *
 * HTTP/2 specifics: SETTINGS_MAX_CONCURRENT_STREAMS is 128 (nginx's default; more
 * streams on one connection are refused as nginx refuses them); a "network" fault
 * resets the request's stream (the HTTP/2 form of a dropped request), and
 * `dropConnections()` (emulator.ts) drops whole connections.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { createServer as createHttpsServer } from "node:https"
import { createSecureServer } from "node:http2"
import type { Http2SecureServer } from "node:http2"
import type { Server } from "node:http"
import forge from "node-forge"

export interface EmulatorTls {
  /** PEM of the CA that signed the server's certificate: what a client must trust. */
  readonly caPem: string
  readonly certPem: string
  readonly keyPem: string
}

/** An RSA key made by Node (native, fast), in forge's form for signing. */
const rsaKeys = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" }
  })
  return {
    pem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey)
  }
}

const certificate = (subject: string, publicKey: forge.pki.PublicKey, days: number) => {
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  // Positive (top bit clear), 16 bytes.
  cert.serialNumber = `0${randomBytes(16).toString("hex")}`
  cert.validity.notBefore = new Date(Date.now() - 60_000)
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 3600_000)
  cert.setSubject([{ name: "commonName", value: subject }])
  return cert
}

/** A fresh CA and a server certificate signed by it for `host`, localhost, 127.0.0.1 and ::1 (valid a week). */
export function generateEmulatorTls(host = "127.0.0.1"): EmulatorTls {
  const caKeys = rsaKeys()
  const ca = certificate("botfleet Telegram emulator CA", caKeys.publicKey, 7)
  ca.setIssuer(ca.subject.attributes)
  ca.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" }
  ])
  ca.sign(caKeys.privateKey, forge.md.sha256.create())

  const keys = rsaKeys()
  const cert = certificate("localhost", keys.publicKey, 7)
  cert.setIssuer(ca.subject.attributes)
  const names = new Set(["localhost", "127.0.0.1", "::1", host])
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      // type 7: an IP address, 2: a DNS name
      altNames: [...names].map((n) =>
        /^[\d.]+$/.test(n) || n.includes(":") ? { type: 7, ip: n } : { type: 2, value: n }
      )
    },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() }
  ])
  cert.sign(caKeys.privateKey, forge.md.sha256.create())
  return { caPem: forge.pki.certificateToPem(ca), certPem: forge.pki.certificateToPem(cert), keyPem: keys.pem }
}

/** nginx's http2_max_concurrent_streams default. */
export const EMULATOR_MAX_STREAMS = 128

type Handler = Parameters<typeof import("node:http").createServer>[1]

/**
 * A TLS server running `handler`: HTTP/2 by ALPN plus HTTP/1.1 (`http2`), or HTTP/1.1 only.
 * Returned as the plain server's type: emulator.ts uses only listen, address, close and the
 * "connection" event (it drops connections through the sockets it tracks), which both provide.
 */
export function createTlsServer(tls: EmulatorTls, http2: boolean, handler: NonNullable<Handler>): Server {
  if (!http2) {
    return createHttpsServer(
      { key: tls.keyPem, cert: tls.certPem, keepAliveTimeout: 120_000, requestTimeout: 0 },
      handler
    ) as unknown as Server
  }
  const server: Http2SecureServer = createSecureServer(
    {
      key: tls.keyPem,
      cert: tls.certPem,
      allowHTTP1: true,
      settings: { maxConcurrentStreams: EMULATOR_MAX_STREAMS },
      // Thousands of idle long polls on one connection are normal; no session timeout.
      maxSessionMemory: 64
    },
    // The compatibility API gives the handler request/response objects shaped like node:http's.
    handler as unknown as Parameters<typeof createSecureServer>[1]
  )
  return server as unknown as Server
}
