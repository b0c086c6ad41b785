/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export const eventually = async <A>(
  check: () => Promise<A | undefined | false> | A | undefined | false,
  timeoutMs = 5000,
  everyMs = 25
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
