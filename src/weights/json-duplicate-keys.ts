/**
 * JSON.parse keeps the last of two equal keys silently. In a safetensors header that hides a tensor
 * (its bytes then look like a hole), so the header's text is scanned for repeated keys.
 */

export interface DuplicateKey {
  key: string;
  /** Character offset of the second occurrence in the text. */
  at: number;
}

/** The first key repeated within one object of `text`, which must be valid JSON (already parsed). */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // One Set of keys per open object; null for arrays.
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const keys = open[open.length - 1];
      let next = i + 1;
      while (next < text.length && /\s/.test(text[next])) next++;
      if (keys && text[next] === ':') {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) return { key, at: start };
        keys.add(key);
      }
    }
  }
  return undefined;
}
