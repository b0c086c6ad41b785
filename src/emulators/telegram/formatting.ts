// parse_mode handling modelled on TDLib's parsers (which the Bot API server
// uses), so that the classic production failures — an unescaped "." in
// MarkdownV2, "<br>" in HTML, an odd "_" in legacy Markdown — fail here too,
// with Telegram's wording.
import { parseTelegramHtml, TelegramHtmlError } from "../../telegram/html-text.ts"
import { checkEntityRanges, parseEntities } from "./entities.ts"
import { badRequest } from "./errors.ts"
import type { MessageEntity } from "./types.ts"

export interface FormattedText {
  text: string
  entities: MessageEntity[]
}

const byteOffset = (s: string, index: number): number => Buffer.byteLength(s.slice(0, index))
const parseError = (what: string) => badRequest(`can't parse entities: ${what}`)

/**
 * get_formatted_text. With `strict` (the entityValidation rule) as the real
 * server does it: a parse_mode (other than "none") wins and supplied entities
 * are ignored; without one, the entities are parsed and range-checked
 * (entities.ts). Without `strict`, supplied entities are taken as they are.
 */
export function formatText(
  raw: string,
  parseMode: string | undefined,
  entities: unknown,
  strict = false
): FormattedText {
  if (strict) {
    const mode = parseMode?.toLowerCase() ?? ""
    if (raw === "" || mode === "" || mode === "none") {
      return { text: raw, entities: checkEntityRanges(raw, parseEntities(entities)) }
    }
  } else if (Array.isArray(entities)) return { text: raw, entities: entities as MessageEntity[] }
  if (parseMode === undefined || parseMode === "") return { text: raw, entities: [] }
  switch (parseMode.toLowerCase()) {
    case "html":
      return parseHtml(raw)
    case "markdownv2":
      return parseMarkdownV2(raw)
    case "markdown":
      return parseMarkdown(raw)
    default:
      throw badRequest("unsupported parse_mode")
  }
}

// ---------------------------------------------------------------- HTML

/** The shared parser (src/telegram/html-text.ts), its refusal as Telegram's 400. */
function parseHtml(s: string): FormattedText {
  try {
    return parseTelegramHtml(s) as FormattedText
  } catch (e) {
    if (e instanceof TelegramHtmlError) throw parseError(e.message)
    throw e
  }
}

// ---------------------------------------------------------------- MarkdownV2

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
const MDV2_TYPE_NAME: Record<string, string> = {
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  strikethrough: "Strikethrough",
  spoiler: "Spoiler",
  code: "Code",
  pre: "Pre",
  text_link: "TextUrl",
  custom_emoji: "CustomEmoji"
}

interface OpenMd {
  type: string
  start: number // output offset
  sourceBegin: number // source index, for error offsets
  language?: string
}

function parseMarkdownV2(s: string): FormattedText {
  let out = ""
  const entities: MessageEntity[] = []
  const open: OpenMd[] = []
  let quoteStart = -1
  let i = 0
  const atLineStart = (k: number) => k === 0 || s[k - 1] === "\n"
  const closeQuote = () => {
    if (quoteStart >= 0 && out.length > quoteStart) {
      let end = out.length
      if (out[end - 1] === "\n") end--
      if (end > quoteStart) entities.push({ type: "blockquote", offset: quoteStart, length: end - quoteStart })
    }
    quoteStart = -1
  }
  while (i < s.length) {
    const c = s[i]!
    if (c === "\\" && i + 1 < s.length && s.charCodeAt(i + 1) <= 126) {
      out += s[i + 1]
      i += 2
      continue
    }
    const top = open[open.length - 1]
    if (top?.type === "code" || top?.type === "pre") {
      const closes = top.type === "code" ? c === "`" : s.startsWith("```", i)
      if (!closes) {
        out += c
        i++
        continue
      }
    }
    if (atLineStart(i) && open.length === 0) {
      if (c === ">") {
        if (quoteStart < 0) quoteStart = out.length
        i++
        continue
      }
      if (quoteStart >= 0) closeQuote()
    }
    if (!MDV2_RESERVED.includes(c)) {
      out += c
      i++
      continue
    }
    // Does c close the innermost entity?
    if (top) {
      let closeLen = 0
      if (top.type === "bold" && c === "*") closeLen = 1
      else if (top.type === "underline" && s.startsWith("__", i)) closeLen = 2
      else if (top.type === "italic" && c === "_") closeLen = 1
      else if (top.type === "strikethrough" && c === "~") closeLen = 1
      else if (top.type === "spoiler" && s.startsWith("||", i)) closeLen = 2
      else if (top.type === "code" && c === "`") closeLen = 1
      else if (top.type === "pre" && s.startsWith("```", i)) closeLen = 3
      else if ((top.type === "text_link" || top.type === "custom_emoji") && c === "]") closeLen = 1
      if (closeLen > 0) {
        open.pop()
        i += closeLen
        const entity: MessageEntity = { type: top.type, offset: top.start, length: out.length - top.start }
        if (top.type === "text_link" || top.type === "custom_emoji") {
          let url = ""
          if (s[i] === "(") {
            i++
            while (i < s.length && s[i] !== ")") {
              if (s[i] === "\\" && i + 1 < s.length) i++
              url += s[i]
              i++
            }
            if (i >= s.length)
              throw parseError(`Can't find end of a url at byte offset ${byteOffset(s, top.sourceBegin)}`)
            i++
          }
          if (top.type === "custom_emoji") entity.custom_emoji_id = url.replace(/^tg:\/\/emoji\?id=/, "")
          else if (url === "") continue
          else entity.url = url
        }
        if (top.language !== undefined) entity.language = top.language
        if (entity.length > 0) entities.push(entity)
        continue
      }
    }
    // Does c open an entity?
    let type: string | undefined
    let openLen = 1
    if (c === "*") type = "bold"
    else if (c === "_") {
      if (s[i + 1] === "_") {
        type = "underline"
        openLen = 2
      } else type = "italic"
    } else if (c === "~") type = "strikethrough"
    else if (c === "|" && s[i + 1] === "|") {
      type = "spoiler"
      openLen = 2
    } else if (c === "[") type = "text_link"
    else if (c === "!" && s[i + 1] === "[") {
      type = "custom_emoji"
      openLen = 2
    } else if (c === "`") {
      if (s.startsWith("```", i)) {
        type = "pre"
        openLen = 3
      } else type = "code"
    }
    if (type === undefined) {
      throw parseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`)
    }
    if (open.some((o) => o.type === type)) {
      throw parseError(
        `Can't find end of ${MDV2_TYPE_NAME[type]} entity at byte offset ${byteOffset(s, open.find((o) => o.type === type)!.sourceBegin)}`
      )
    }
    const begin = i
    i += openLen
    let language: string | undefined
    if (type === "pre") {
      const nl = s.indexOf("\n", i)
      const firstLine = nl < 0 ? "" : s.slice(i, nl)
      if (nl >= 0 && /^[^\s`]*$/.test(firstLine)) {
        if (firstLine !== "") language = firstLine
        i = nl + 1
      }
    }
    open.push(
      language === undefined
        ? { type, start: out.length, sourceBegin: begin }
        : { type, start: out.length, sourceBegin: begin, language }
    )
  }
  if (open.length > 0) {
    const o = open[open.length - 1]!
    throw parseError(
      `Can't find end of ${MDV2_TYPE_NAME[o.type] ?? "the"} entity at byte offset ${byteOffset(s, o.sourceBegin)}`
    )
  }
  closeQuote()
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text: out, entities }
}

// ---------------------------------------------------------------- legacy Markdown

function parseMarkdown(s: string): FormattedText {
  let out = ""
  const entities: MessageEntity[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "\\" && "_*`[".includes(s[i + 1] ?? "")) {
      out += s[i + 1]
      i += 2
      continue
    }
    if (!"_*`[".includes(c)) {
      out += c
      i++
      continue
    }
    const begin = i
    let end = c === "[" ? "]" : c
    let type = c === "_" ? "italic" : c === "*" ? "bold" : c === "`" ? "code" : "text_link"
    let language: string | undefined
    if (s.startsWith("```", i)) {
      type = "pre"
      end = "```"
      i += 3
      const nl = s.indexOf("\n", i)
      if (nl >= 0 && /^[^\s`]*$/.test(s.slice(i, nl))) {
        if (nl > i) language = s.slice(i, nl)
        i = nl + 1
      }
    } else i++
    const start = out.length
    const close = s.indexOf(end, i)
    if (close < 0) throw parseError(`Can't find end of the entity starting at byte offset ${byteOffset(s, begin)}`)
    out += s.slice(i, close)
    i = close + end.length
    const entity: MessageEntity = { type, offset: start, length: out.length - start }
    if (type === "text_link") {
      if (s[i] !== "(") continue
      const urlEnd = s.indexOf(")", i)
      if (urlEnd < 0) continue
      entity.url = s.slice(i + 1, urlEnd)
      i = urlEnd + 1
      if (entity.url === "") continue
    }
    if (language !== undefined) entity.language = language
    if (entity.length > 0) entities.push(entity)
  }
  return { text: out, entities }
}
