/**
 * A Code 128 barcode as inline SVG, for the wallet's payment code (18 digits, so code set C:
 * two digits per symbol). Each symbol is six alternating bar/space widths in modules (eleven
 * modules in all; the stop symbol has a seventh bar, thirteen modules); the checksum is the start
 * value plus each symbol's value times its position, modulo 103. A quiet zone of ten modules on
 * each side.
 */

/** Widths (bar, space, bar, space, bar, space) of the symbols 0–106 (103–105 start A/B/C, 106 stop). */
const PATTERNS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
] as const;

export const CODE128_PATTERNS: readonly string[] = PATTERNS;

const START_C = 105;
const STOP = 106;
const QUIET = 10;

/** The symbol values for an even-length digit string in code set C, with start, checksum and stop. */
export function code128cSymbols(digits: string): number[] {
  if (!/^(\d\d)+$/.test(digits)) throw new Error('code set C needs an even number of digits');
  const data: number[] = [];
  for (let i = 0; i < digits.length; i += 2) data.push(Number(digits.slice(i, i + 2)));
  const check = data.reduce((sum, v, i) => sum + v * (i + 1), START_C) % 103;
  return [START_C, ...data, check, STOP];
}

/** The module widths of the whole barcode, alternating bar and space, starting with a bar. */
export function code128cWidths(digits: string): number[] {
  return code128cSymbols(digits).flatMap((s) => [...PATTERNS[s]!].map(Number));
}

/** An SVG barcode (scales to its container's width; `height` in CSS pixels). */
export function code128Svg(digits: string, height = 96): string {
  const widths = code128cWidths(digits);
  const total = widths.reduce((a, b) => a + b, 0) + 2 * QUIET;
  let x = QUIET;
  let bars = '';
  widths.forEach((w, i) => {
    if (i % 2 === 0) bars += `M${x} 0h${w}v${height}h-${w}z`;
    x += w;
  });
  return (
    `<svg class="barcode" role="img" aria-label="payment code ${digits}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${height}" preserveAspectRatio="none" shape-rendering="crispEdges">` +
    `<rect width="${total}" height="${height}" fill="#fff"/><path d="${bars}" fill="#000"/></svg>`
  );
}
