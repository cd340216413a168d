/**
 * Saves what the page drew: CSV text, and charts as one SVG or PNG. Chart
 * styles come from CSS variables that mean nothing outside the page, so the
 * computed paint of every element is written into the copy.
 */

const PAINT = [
  'fill',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
] as const;

/** Offers `blob` as a download named `name`. */
export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function inlinePaint(from: Element, to: Element): void {
  const style = getComputedStyle(from);
  const css = PAINT.map((p) => `${p}:${style.getPropertyValue(p)}`).join(';');
  to.setAttribute('style', css);
  for (let i = 0; i < from.children.length; i++) inlinePaint(from.children[i]!, to.children[i]!);
}

/** The charts stacked into one standalone SVG document (with a white background). */
export function chartsToSvg(
  svgs: SVGSVGElement[],
  titles: string[],
): { text: string; width: number; height: number } {
  const ns = 'http://www.w3.org/2000/svg';
  const width = Math.max(...svgs.map((s) => s.width.baseVal.value));
  let y = 0;
  const out = document.createElementNS(ns, 'svg');
  out.setAttribute('xmlns', ns);
  const bg = document.createElementNS(ns, 'rect');
  out.append(bg);
  svgs.forEach((svg, i) => {
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', '8');
    label.setAttribute('y', String(y + 16));
    label.setAttribute('style', 'font: 600 14px sans-serif; fill: #1b1f27');
    label.textContent = titles[i] ?? '';
    out.append(label);
    const copy = svg.cloneNode(true) as SVGSVGElement;
    inlinePaint(svg, copy);
    const g = document.createElementNS(ns, 'g');
    g.setAttribute('transform', `translate(0, ${y + 24})`);
    g.append(...Array.from(copy.childNodes));
    out.append(g);
    y += 24 + svg.height.baseVal.value + 12;
  });
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(y));
  out.setAttribute('viewBox', `0 0 ${width} ${y}`);
  bg.setAttribute('width', String(width));
  bg.setAttribute('height', String(y));
  bg.setAttribute('fill', '#ffffff');
  return { text: new XMLSerializer().serializeToString(out), width, height: y };
}

/** Renders an SVG document to a PNG at `scale` times its size. */
export async function svgToPng(
  svg: { text: string; width: number; height: number },
  scale = 2,
): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(svg.width * scale);
    canvas.height = Math.round(svg.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser cannot draw the PNG');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
