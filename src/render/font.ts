/**
 * Text in a 5 x 7 pixel font (printable ASCII; the project's own glyphs), drawn straight into an
 * RgbaImage: synchronous, no font files to load, identical in Node and the browser. Captions and
 * legends of the explain pictures use it, and so can any other plot.
 */
import { Rgb, RgbaImage, fillRect } from './raster';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character in font pixels (one column of spacing). */
const ADVANCE = GLYPH_WIDTH + 1;

/**
 * Glyphs of ' ' (32) .. '~' (126), 7 characters each: one base-32 digit per row, top to bottom,
 * whose 5 bits are the row's pixels, leftmost in the highest bit.
 */
const GLYPHS =
  '00000004444404aaa0000aavavaa4fke5u4op248j3cik8lid444000024888428422248' + //   .. )
  '04lel40044v4400000c48000v00000000cc01248g0ehjlphe4c4444eeh1248vv2421he' + // * .. 3
  '26aiv22vgu11he68guhhev124888ehhehheehhf12c0cc0cc00cc0c48248g84200v0v00' + // 4 .. =
  '8421248eh12404eh1dlleehhvhhhuhhuhhuehggghesihhhisvgguggvvggugggehgnhhf' + // > .. G
  'hhhvhhhe44444e72222ichikokihggggggvhrllhhhhhpljhhehhhhheuhhugggehhhlid' + // H .. Q
  'uhhukihfgge11uv444444hhhhhhehhhhha4hhhlllahha4ahhhha4444v1248gve88888e' + // R .. [
  '0g84210e22222e4ah0000000000v842000000e1fhfggmphhu00egghe11djhhf00ehvge' + // \ .. e
  '698s8880fhhf1eggmphhh40c444e20622icggikokic44444e00qllhh00mphhh00ehhhe' + // f .. o
  '00uhugg00djf1100mpggg00ege1u88s889600hhhjd00hhha400hhlla00ha4ah00hhf1e' + // p .. y
  '00v248v244844244444448442448008l200'; // z .. ~

/** Characters outside printable ASCII are drawn as '?'. */
function glyphRows(ch: string): string {
  let code = ch.charCodeAt(0);
  if (!(code >= 32 && code <= 126)) code = 63;
  const start = (code - 32) * GLYPH_HEIGHT;
  return GLYPHS.slice(start, start + GLYPH_HEIGHT);
}

/** Width in image pixels of `text` at `scale` (each font pixel drawn as scale x scale). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Height in image pixels of one line at `scale`. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws one line with its top-left corner at (x, y); pixels outside the image are skipped. */
export function drawText(image: RgbaImage, text: string, x: number, y: number, color: Rgb, scale = 1): void {
  let left = x;
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const bits = parseInt(rows[r], 32);
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (bits & (1 << (GLYPH_WIDTH - 1 - c))) fillRect(image, left + c * scale, y + r * scale, scale, scale, color);
      }
    }
    left += ADVANCE * scale;
  }
}

/** `text` cut to fit `maxWidth` pixels at `scale`, ending in "..." when cut. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  if (textWidth(text, scale) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(chars.join('') + '...', scale) > maxWidth) chars.pop();
  return chars.length > 0 ? chars.join('') + '...' : '';
}
