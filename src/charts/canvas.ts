/** Canvas helpers the charts share (they run only in the page, in an $effect). */

/**
 * The 2D context of `canvas`, sized for `width` × `height` CSS pixels at the
 * screen's pixel ratio and cleared; null before the canvas exists.
 */
export function sharpContext(
  canvas: HTMLCanvasElement | undefined,
  width: number,
  height: number,
): CanvasRenderingContext2D | null {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** A colour a canvas can use: `var(--x)` read from `el`'s theme, other colours as they are. */
export function canvasColour(el: Element, colour: string): string {
  if (!colour.startsWith('var(')) return colour;
  return getComputedStyle(el).getPropertyValue(colour.slice(4, -1)).trim() || 'gray';
}
