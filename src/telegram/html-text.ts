/**
 * Telegram's HTML parse mode, modelled on TDLib's parser (which the Bot API
 * server uses): the tags it allows (b, strong, i, em, u, ins, s, strike, del,
 * span class="tg-spoiler", tg-spoiler, a href, code, pre, pre > code
 * class="language-x", blockquote [expandable], tg-emoji emoji-id), nesting
 * and closing, and the &lt; &gt; &amp; &quot; and numeric entities. Shared by
 * the Telegram emulator (which answers a bad text with Telegram's 400) and by
 * the tenant texts' validation (src/tenants/tenant-texts.ts), so a text is
 * refused before it is saved for exactly the reason Telegram would refuse it.
 */

export interface HtmlEntity {
  type: string
  offset: number
  length: number
  url?: string
  user?: { id: number; is_bot: boolean; first_name: string }
  language?: string
  custom_emoji_id?: string
}

/** The text after entity parsing (what Telegram counts against its limits) and its entities. */
export interface HtmlText {
  text: string
  entities: HtmlEntity[]
}

/** Why Telegram would refuse the HTML, in Telegram's own words ("Unsupported start tag "div" at byte offset 5"). */
export class TelegramHtmlError extends Error {
  override readonly name = "TelegramHtmlError"
}

const byteOffset = (s: string, index: number): number => Buffer.byteLength(s.slice(0, index))

const HTML_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "tg-spoiler",
  "tg-emoji",
  "span",
  "pre",
  "code",
  "blockquote"
])

const HTML_ENTITY_TYPE: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  u: "underline",
  ins: "underline",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
  a: "text_link"
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r" || c === "\n"

function decodeHtmlEntity(s: string, i: number): { char: string; end: number } | undefined {
  const semi = s.indexOf(";", i)
  if (semi < 0 || semi - i > 10) return undefined
  const name = s.slice(i + 1, semi)
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' }
  if (named[name] !== undefined) return { char: named[name], end: semi + 1 }
  let code: number | undefined
  if (/^#\d+$/.test(name)) code = Number(name.slice(1))
  else if (/^#x[0-9a-f]+$/i.test(name)) code = parseInt(name.slice(2), 16)
  if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined
  return { char: String.fromCodePoint(code), end: semi + 1 }
}

interface OpenTag {
  name: string
  start: number // offset in output text
  argument: string
}

export function parseTelegramHtml(s: string): HtmlText {
  let out = ""
  const entities: HtmlEntity[] = []
  const open: OpenTag[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "&") {
      const ent = decodeHtmlEntity(s, i)
      if (ent) {
        out += ent.char
        i = ent.end
      } else {
        out += c
        i++
      }
      continue
    }
    if (c !== "<") {
      out += c
      i++
      continue
    }
    const begin = i
    if (s[i + 1] !== "/") {
      i++
      while (i < s.length && !isSpace(s[i]) && s[i] !== ">") i++
      if (i >= s.length) throw new TelegramHtmlError(`Unclosed start tag at byte offset ${byteOffset(s, begin)}`)
      const name = s.slice(begin + 1, i).toLowerCase()
      if (!HTML_TAGS.has(name)) {
        throw new TelegramHtmlError(`Unsupported start tag "${name}" at byte offset ${byteOffset(s, begin)}`)
      }
      let argument = ""
      while (s[i] !== ">") {
        while (i < s.length && isSpace(s[i])) i++
        if (s[i] === ">") break
        const attrBegin = i
        while (i < s.length && !isSpace(s[i]) && s[i] !== "=" && s[i] !== ">") i++
        const attrName = s.slice(attrBegin, i).toLowerCase()
        if (attrName === "") {
          throw new TelegramHtmlError(
            `Empty attribute name in the tag "${name}" at byte offset ${byteOffset(s, begin)}`
          )
        }
        while (i < s.length && isSpace(s[i])) i++
        if (s[i] !== "=") {
          // A bare attribute is only meaningful as <blockquote expandable>.
          if (name === "blockquote" && attrName === "expandable") {
            argument = "expandable"
            continue
          }
          throw new TelegramHtmlError(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteOffset(s, begin)}`
          )
        }
        i++
        while (i < s.length && isSpace(s[i])) i++
        if (i >= s.length)
          throw new TelegramHtmlError(`Unclosed start tag "${name}" at byte offset ${byteOffset(s, begin)}`)
        let value = ""
        const quote = s[i]
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i
          while (i < s.length && /[A-Za-z0-9.-]/.test(s[i]!)) i++
          value = s.slice(tokenBegin, i).toLowerCase()
          if (!isSpace(s[i]) && s[i] !== ">") {
            throw new TelegramHtmlError(`Unexpected end of name token at byte offset ${byteOffset(s, tokenBegin)}`)
          }
        } else {
          i++
          while (i < s.length && s[i] !== quote) {
            if (s[i] === "&") {
              const ent = decodeHtmlEntity(s, i)
              if (ent) {
                value += ent.char
                i = ent.end
                continue
              }
            }
            value += s[i]
            i++
          }
          if (s[i] === quote) i++
          if (i >= s.length) throw new TelegramHtmlError(`Unclosed start tag at byte offset ${byteOffset(s, begin)}`)
        }
        if (name === "a" && attrName === "href") argument = value
        else if (name === "code" && attrName === "class" && value.startsWith("language-")) argument = value.slice(9)
        else if (name === "span" && attrName === "class" && value.startsWith("tg-")) argument = value.slice(3)
        else if (name === "tg-emoji" && attrName === "emoji-id") argument = value
      }
      if (name === "span" && argument !== "spoiler") {
        throw new TelegramHtmlError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(s, begin)}`)
      }
      open.push({ name, start: out.length, argument })
      i++ // skip ">"
    } else {
      if (open.length === 0) throw new TelegramHtmlError(`Unexpected end tag at byte offset ${byteOffset(s, begin)}`)
      i += 2
      while (i < s.length && !isSpace(s[i]) && s[i] !== ">") i++
      const endName = s.slice(begin + 2, i).toLowerCase()
      while (i < s.length && isSpace(s[i])) i++
      if (s[i] !== ">") throw new TelegramHtmlError(`Unclosed end tag at byte offset ${byteOffset(s, begin)}`)
      i++
      const tag = open.pop()!
      if (endName !== "" && endName !== tag.name) {
        throw new TelegramHtmlError(
          `Unmatched end tag at byte offset ${byteOffset(s, begin)}, expected "</${tag.name}>", found "</${endName}>"`
        )
      }
      const length = out.length - tag.start
      if (length === 0) continue
      const entity: HtmlEntity = { type: HTML_ENTITY_TYPE[tag.name] ?? "bold", offset: tag.start, length }
      if (tag.name === "a") {
        if (tag.argument === "") continue
        const mention = /^tg:\/\/user\?id=(\d+)$/.exec(tag.argument)
        if (mention) {
          entity.type = "text_mention"
          entity.user = { id: Number(mention[1]), is_bot: false, first_name: "" }
        } else entity.url = tag.argument
      } else if (tag.name === "code" && open[open.length - 1]?.name === "pre") {
        // <pre><code class="language-x"> is one pre entity carrying a language.
        if (tag.argument !== "") open[open.length - 1]!.argument = tag.argument
        continue
      } else if (tag.name === "pre" && tag.argument !== "") {
        entity.language = tag.argument
      } else if (tag.name === "blockquote" && tag.argument === "expandable") {
        entity.type = "expandable_blockquote"
      } else if (tag.name === "tg-emoji") {
        entity.custom_emoji_id = tag.argument
      }
      entities.push(entity)
    }
  }
  if (open.length > 0) {
    throw new TelegramHtmlError(`Can't find end tag corresponding to start tag "${open[open.length - 1]!.name}"`)
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text: out, entities }
}

/** The formatting entity types a message written in Telegram's own editor carries, and their tags. */
const FORMATTING_TAGS: Record<string, (e: HtmlEntity) => readonly [string, string]> = {
  bold: () => ["<b>", "</b>"],
  italic: () => ["<i>", "</i>"],
  underline: () => ["<u>", "</u>"],
  strikethrough: () => ["<s>", "</s>"],
  spoiler: () => ["<tg-spoiler>", "</tg-spoiler>"],
  code: () => ["<code>", "</code>"],
  pre: (e) =>
    e.language ? [`<pre><code class="language-${escapeHtml(e.language)}">`, "</code></pre>"] : ["<pre>", "</pre>"],
  text_link: (e) => [`<a href="${escapeHtml(e.url ?? "")}">`, "</a>"],
  blockquote: () => ["<blockquote>", "</blockquote>"],
  expandable_blockquote: () => ["<blockquote expandable>", "</blockquote>"],
  custom_emoji: (e) => [`<tg-emoji emoji-id="${escapeHtml(e.custom_emoji_id ?? "")}">`, "</tg-emoji>"]
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** Whether a message's entities include formatting (not only what Telegram detects itself: links, mentions, commands). */
export const hasFormatting = (entities: ReadonlyArray<HtmlEntity> | undefined): boolean =>
  entities?.some((e) => Object.hasOwn(FORMATTING_TAGS, e.type)) ?? false

/**
 * A message's text and entities (offsets in UTF-16 units, nested without
 * partial overlaps, as Telegram guarantees) as HTML that parses back to them:
 * the text escaped, each formatting entity a tag; detected entities (links,
 * mentions) stay plain text, which Telegram detects again.
 */
export const entitiesToHtml = (text: string, entities: ReadonlyArray<HtmlEntity>): string => {
  const formatting = entities
    .filter((e) => Object.hasOwn(FORMATTING_TAGS, e.type) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length)
  let out = ""
  let at = 0
  const open: Array<{ end: number; close: string }> = []
  const closeUntil = (position: number) => {
    while (open.length > 0 && open[open.length - 1]!.end <= position) {
      const top = open.pop()!
      out += escapeHtml(text.slice(at, top.end)) + top.close
      at = top.end
    }
  }
  for (const e of formatting) {
    closeUntil(e.offset)
    out += escapeHtml(text.slice(at, e.offset))
    at = e.offset
    const [start, close] = FORMATTING_TAGS[e.type]!(e)
    out += start
    open.push({ end: Math.min(e.offset + e.length, open[open.length - 1]?.end ?? text.length), close })
  }
  closeUntil(text.length)
  return out + escapeHtml(text.slice(at))
}
