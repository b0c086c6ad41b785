/**
 * The service logs to the console; in the demo the terminal belongs to the
 * live summary, so everything written through `console` goes to a log file
 * instead (the demo writes its own output to process.stdout directly). The
 * summary shows how many warnings and errors were logged, and the last one.
 */
import * as fs from "node:fs"
import { format } from "node:util"

export interface LogFile {
  readonly path: string
  readonly problems: () => { readonly count: number; readonly last: string | undefined }
  readonly close: () => Promise<void>
}

const PROBLEM = /level=(WARN|ERROR|FATAL)|"level":"(WARN|ERROR|FATAL)"/i

export const redirectConsoleTo = (file: string): LogFile => {
  const stream = fs.createWriteStream(file, { flags: "w" })
  let count = 0
  let last: string | undefined
  const write =
    (level: string) =>
    (...args: Array<unknown>) => {
      const text = format(...args)
      if (level === "error" || level === "warn" || PROBLEM.test(text)) {
        count++
        last = text.split("\n")[0]!.slice(0, 300)
      }
      stream.write(`${text}\n`)
    }
  const console_ = globalThis.console as unknown as Record<string, unknown>
  for (const method of ["log", "info", "debug", "trace"]) console_[method] = write(method)
  console_.warn = write("warn")
  console_.error = write("error")
  return {
    path: file,
    problems: () => ({ count, last }),
    close: () => new Promise((resolve) => stream.end(() => resolve()))
  }
}
