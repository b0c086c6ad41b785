// The long-poll rules (polling.test.ts) once more with the emulator over HTTPS + HTTP/2 (tls.ts):
// offset throttling, 409 timing and the two-pollers check must hold when polls are streams
// multiplexed on one connection, as they must over plain HTTP/1.1. support.ts reads the
// variable when it loads (here), so it is removed again at once for any later file.
process.env.EMULATOR_TLS = "h2"
try {
  await import("./polling.test.ts")
} finally {
  delete process.env.EMULATOR_TLS
}
