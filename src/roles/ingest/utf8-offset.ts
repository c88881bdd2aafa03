/**
 * Where the first ill-formed UTF-8 sequence starts, or -1 when there is none. It accepts what
 * `buffer.isUtf8` accepts (Unicode Table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF); it runs only after isUtf8 said no, to tell the client where to look, so it is
 * written for clarity rather than speed.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let at = 0
  while (at < bytes.length) {
    const length = wellFormedLength(bytes, at)
    if (length === 0) return at
    at += length
  }
  return -1
}

/** Bytes in the well-formed sequence starting at `at`, or 0 when the sequence there is ill-formed. */
function wellFormedLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] as number
  if (lead <= 0x7f) return 1
  // The second byte's range depends on the lead: it is what rules out overlongs and surrogates.
  let length: number
  let low = 0x80
  let high = 0xbf
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3
    if (lead === 0xe0) low = 0xa0
    if (lead === 0xed) high = 0x9f
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4
    if (lead === 0xf0) low = 0x90
    if (lead === 0xf4) high = 0x8f
  } else {
    return 0
  }
  for (let next = 1; next < length; next++) {
    const byte = bytes[at + next]
    if (byte === undefined || byte < low || byte > high) return 0
    low = 0x80
    high = 0xbf
  }
  return length
}
