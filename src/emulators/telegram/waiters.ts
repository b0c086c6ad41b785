import { ControlError } from "./errors.ts"
import type { EmulatorState } from "./state.ts"

export const DEFAULT_WAIT_MS = 5000

/**
 * Resolves with the first non-undefined result of `check`, re-evaluated on
 * every state event of the bot (no polling loop), or rejects after timeoutMs.
 */
export function waitUntil<T>(
  state: EmulatorState,
  token: string,
  check: () => T | undefined,
  timeoutMs: number,
  describe: () => string
): Promise<T> {
  const first = check()
  if (first !== undefined) return Promise.resolve(first)
  return new Promise<T>((resolve, reject) => {
    const onEvent = () => {
      let value: T | undefined
      try {
        value = check()
      } catch (e) {
        cleanup()
        reject(e)
        return
      }
      if (value !== undefined) {
        cleanup()
        resolve(value)
      }
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new ControlError(408, `telegram emulator: timed out after ${timeoutMs} ms waiting for ${describe()}`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      state.events.off(token, onEvent)
    }
    state.events.on(token, onEvent)
  })
}
