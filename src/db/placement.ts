/**
 * Where the embedded PostgreSQL's binaries and data live when botfleet runs as
 * root. PostgreSQL will not run as root, so it runs as the `postgres` user,
 * which must be able to enter every directory above its binaries and its data.
 * A project in a private directory (`/root` is 0700, and so is a `mktemp -d`)
 * breaks that; then:
 *  - the binaries are hard-linked (copied across file systems) once per version
 *    into STATE_DIR/postgres-<version>-<platform>-<arch>;
 *  - the data lives in STATE_DIR/<hash of the data directory's path>/pg, and
 *    `<data dir>/pg` becomes a symbolic link to it, so it survives restarts and
 *    everything that looks in `<data dir>/pg` (pid files) still finds it.
 * Whether the user can reach a place is asked of the system (a command run as
 * that user), not worked out from permission bits.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { EmbeddedPostgresError } from "./embedded-postgres-errors.ts"

/** Room of its own on the machine, reachable by every user, that survives restarts (unlike /tmp). */
export const STATE_DIR = "/var/lib/botfleet"
const OS_USER = "postgres"

export interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** The `native` folder (bin, lib, share) of the `@embedded-postgres/<platform>-<arch>` package. */
export const nativeBinaries = (): { readonly dir: string } => {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    const embedded = createRequire(import.meta.url).resolve("embedded-postgres")
    // Resolved from embedded-postgres itself: its optional dependency, hoisted or not.
    const entry = createRequire(embedded).resolve(name)
    return { dir: path.resolve(path.dirname(entry), "..", "native") }
  } catch (cause) {
    throw new EmbeddedPostgresError(
      "NoBinaries",
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed): run npm install, or set DATABASE_URL to use another PostgreSQL server`,
      { cause }
    )
  }
}

const errnoText = (error: unknown) => (error as NodeJS.ErrnoException)?.code ?? String(error)
const asUser = (user: OsUser) => ({ uid: user.uid, gid: user.gid, cwd: "/", stdio: "ignore" as const, timeout: 15_000 })

/** Whether `user` can run this binary (every directory above it enterable, the file executable). */
const canRun = (user: OsUser, binary: string) => {
  const result = spawnSync(binary, ["--version"], asUser(user))
  return result.error === undefined && result.status === 0
}

/** Whether `user` can enter this directory (and so every directory above it). */
const canEnter = (user: OsUser, dir: string) =>
  spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], asUser(user)).status === 0

const idOf = (flag: "-u" | "-g") =>
  Number(execFileSync("id", [flag, OS_USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())

const lookUp = (): OsUser | undefined => {
  try {
    return { uid: idOf("-u"), gid: idOf("-g") }
  } catch {
    return undefined
  }
}

const groupExists = () => {
  try {
    return fs
      .readFileSync("/etc/group", "utf8")
      .split("\n")
      .some((line) => line.startsWith(`${OS_USER}:`))
  } catch {
    return false
  }
}

const run = (command: string, args: ReadonlyArray<string>) =>
  execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" })

/** The `postgres` user (and group), created as a system account when missing: shadow's tools, else BusyBox's. */
export const ensurePostgresOsUser = (): OsUser => {
  const existing = lookUp()
  if (existing) return existing
  const attempts: ReadonlyArray<() => void> = [
    () => {
      if (!groupExists()) run("groupadd", ["--system", OS_USER])
      run("useradd", ["--system", "--gid", OS_USER, "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER])
    },
    () => {
      if (!groupExists()) run("addgroup", ["-S", OS_USER])
      run("adduser", ["-S", "-D", "-H", "-G", OS_USER, "-s", "/sbin/nologin", OS_USER])
    }
  ]
  let first: unknown
  for (const attempt of attempts) {
    try {
      attempt()
      const created = lookUp()
      if (created) return created
    } catch (error) {
      first ??= error
    }
  }
  const detail =
    (first as { stderr?: string })?.stderr?.trim().split("\n")[0] || (first as Error)?.message || "unknown reason"
  throw new EmbeddedPostgresError(
    "NoOsUser",
    `as root, the embedded PostgreSQL runs as the operating-system user "${OS_USER}", which is missing and could not be created (${detail}): create it (useradd --system ${OS_USER}), run botfleet as a user other than root, or set DATABASE_URL`,
    { cause: first }
  )
}

/** A directory of root's that every user can enter. */
const ensurePublicDir = (dir: string) => {
  fs.mkdirSync(dir, { recursive: true })
  fs.chmodSync(dir, 0o755)
}

/** Copies a tree as hard links (symbolic links kept as they are); a file that cannot be linked is copied. */
const linkTree = (from: string, to: string): { linked: number; copied: number } => {
  const counts = { linked: 0, copied: 0 }
  const walk = (src: string, dst: string) => {
    fs.mkdirSync(dst, { mode: fs.statSync(src).mode & 0o777 })
    for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
      const s = path.join(src, entry.name)
      const d = path.join(dst, entry.name)
      if (entry.isDirectory()) walk(s, d)
      else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d)
      else {
        try {
          fs.linkSync(s, d)
          counts.linked++
        } catch {
          fs.copyFileSync(s, d)
          fs.chmodSync(d, fs.statSync(s).mode & 0o777)
          counts.copied++
        }
      }
    }
  }
  walk(from, to)
  return counts
}

const unreachable = (what: string, place: string, error: unknown, fix: string) =>
  (error as NodeJS.ErrnoException)?.code === "ENOSPC"
    ? new EmbeddedPostgresError(
        "OutOfDisk",
        `out of disk space in ${place} (ENOSPC) while making ${what} reachable for the postgres user: free some space there, or ${fix}`,
        { cause: error }
      )
    : new EmbeddedPostgresError(
        "Unreachable",
        `the postgres user cannot reach ${what}, and ${place} could not take a copy (${errnoText(error)}): ${fix}`,
        { cause: error }
      )

const FIX_BINARIES =
  "make every directory above the project enterable (chmod o+x), run botfleet as a user other than root, or set DATABASE_URL"

/**
 * The binaries' folder the `postgres` user can run: `native` itself when it can,
 * else a hard-linked (or copied) twin under `stateDir`, made once per version.
 */
export const reachableBinaries = (
  native: string,
  user: OsUser,
  stateDir: string,
  log: (line: string) => void
): string => {
  const postgres = (dir: string) => path.join(dir, "bin", "postgres")
  if (canRun(user, postgres(native))) return native
  let version = "unknown"
  try {
    version = JSON.parse(fs.readFileSync(path.join(native, "..", "package.json"), "utf8")).version ?? version
  } catch {
    // a folder without its package.json (tests): the name still tells versions apart by path
    version = createHash("sha256").update(native).digest("hex").slice(0, 12)
  }
  const target = path.join(stateDir, `postgres-${version}-${process.platform}-${process.arch}`)
  if (canRun(user, postgres(target))) {
    log(`embedded PostgreSQL: runs its binaries from ${target} (the postgres user cannot reach ${native})`)
    return target
  }
  try {
    ensurePublicDir(stateDir)
    // Built aside, then renamed: a process starting at the same time sees all of it or none.
    const partial = `${target}.partial-${process.pid}`
    fs.rmSync(partial, { recursive: true, force: true })
    const { linked, copied } = linkTree(native, partial)
    fs.rmSync(target, { recursive: true, force: true }) // an unusable leftover
    try {
      fs.renameSync(partial, target)
    } catch (error) {
      fs.rmSync(partial, { recursive: true, force: true })
      if (!canRun(user, postgres(target))) throw error
    }
    log(
      `embedded PostgreSQL: the postgres user cannot reach ${native}, so its binaries were ${copied === 0 ? "hard-linked" : linked === 0 ? "copied" : "hard-linked and copied"} to ${target}`
    )
  } catch (error) {
    throw unreachable(`the server binaries in ${native}`, stateDir, error, FIX_BINARIES)
  }
  if (!canRun(user, postgres(target))) {
    throw new EmbeddedPostgresError(
      "Unreachable",
      `the postgres user cannot run the server binaries, neither in ${native} nor in ${target}: ${FIX_BINARIES}`
    )
  }
  return target
}

/**
 * The data directory (`pg`) the `postgres` user can reach: `<root>/pg` when it
 * can enter `root`, else STATE_DIR/<hash of root>/pg with `<root>/pg` a link to
 * it (existing data is moved there once).
 */
export const reachableDataDir = (
  root: string,
  user: OsUser,
  stateDir: string,
  setting: string,
  log: (line: string) => void
): string => {
  const link = path.join(root, "pg")
  const fix = `point ${setting} at a directory every user can enter, or set DATABASE_URL`
  let existing: fs.Stats | undefined
  try {
    existing = fs.lstatSync(link)
  } catch {
    existing = undefined
  }
  if (existing?.isSymbolicLink()) {
    const target = path.resolve(root, fs.readlinkSync(link))
    try {
      ensurePublicDir(path.dirname(target))
    } catch (error) {
      throw unreachable(`${root}`, path.dirname(target), error, fix)
    }
    log(`embedded PostgreSQL: data in ${target} (linked from ${link}: the postgres user cannot reach ${root})`)
    return target
  }
  if (canEnter(user, root)) return link
  const home = path.join(stateDir, createHash("sha256").update(root).digest("hex").slice(0, 16))
  const target = path.join(home, "pg")
  try {
    ensurePublicDir(stateDir)
    ensurePublicDir(home)
    fs.writeFileSync(path.join(home, "data-dir"), `${root}\n`) // whose data this is, for people
    if (existing?.isDirectory()) fs.renameSync(link, target) // data from an earlier run
    fs.symlinkSync(target, link)
  } catch (error) {
    throw unreachable(`${root}`, home, error, fix)
  }
  if (!canEnter(user, home)) {
    throw new EmbeddedPostgresError("Unreachable", `the postgres user can enter neither ${root} nor ${home}: ${fix}`)
  }
  log(
    `embedded PostgreSQL: the postgres user cannot reach ${root}, so the data lives in ${target} (linked from ${link})`
  )
  return target
}
