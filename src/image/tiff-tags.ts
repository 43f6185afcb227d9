/**
 * Reads integer tags of the first IFD of a TIFF structure: TIFF files themselves and the EXIF block
 * inside JPEG APP1. Bounds-checked throughout, so a hostile offset yields "not found", never a throw.
 */

const SHORT = 3;
const LONG = 4;

/** Tag values (SHORT or LONG, first value) of IFD0 for the requested tags; absent or malformed tags are left out. */
export function readIfd0Tags(bytes: Uint8Array, tiffStart: number, tags: readonly number[]): Map<number, number> {
  const found = new Map<number, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (offset: number, length: number): boolean => offset >= 0 && offset + length <= bytes.byteLength;
  if (!fits(tiffStart, 8)) return found;
  const order = view.getUint16(tiffStart);
  if (order !== 0x4949 && order !== 0x4d4d) return found;
  const little = order === 0x4949;
  if (view.getUint16(tiffStart + 2, little) !== 42) return found;
  const ifd = tiffStart + view.getUint32(tiffStart + 4, little);
  if (!fits(ifd, 2)) return found;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (!fits(entry, 12)) break;
    const tag = view.getUint16(entry, little);
    if (!tags.includes(tag) || found.has(tag)) continue;
    const type = view.getUint16(entry + 2, little);
    if (type === SHORT) found.set(tag, view.getUint16(entry + 8, little));
    else if (type === LONG) found.set(tag, view.getUint32(entry + 8, little));
  }
  return found;
}
