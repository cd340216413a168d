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

/** A legend entry of an exported chart: a series' name and its colour (any CSS colour, var() too). */
export interface ExportKey {
  name: string;
  color: string;
}

/** A CSS colour as the page paints it (var() resolved against the document). */
function paintOf(color: string): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  document.body.append(probe);
  const painted = getComputedStyle(probe).color;
  probe.remove();
  return painted;
}

/**
 * A chart's title, then the series' keys (a swatch in a painted colour and a name) on lines of
 * their own, wrapped to `width`: the page's legends live in HTML captions
 * that the SVG copy leaves behind. Returns the group and its height.
 */
function titleBlock(
  ns: string,
  title: string,
  keys: ExportKey[],
  y: number,
  width: number,
): { block: Element; height: number } {
  const block = document.createElementNS(ns, 'g');
  const text = (x: number, baseline: number, content: string, style: string) => {
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(baseline));
    t.setAttribute('style', style);
    t.textContent = content;
    block.append(t);
  };
  text(8, y + 16, title, 'font: 600 14px sans-serif; fill: #1b1f27');
  let height = 24;
  let x = Infinity; // the first key starts a line below the title
  for (const k of keys) {
    // Widths estimated from the character count: the copy has no layout to measure with.
    const entry = 21 + k.name.length * 7;
    if (x + entry > width - 8) {
      height += 18;
      x = 8;
    }
    const line = y + height - 6;
    const swatch = document.createElementNS(ns, 'rect');
    swatch.setAttribute('x', String(x));
    swatch.setAttribute('y', String(line - 5));
    swatch.setAttribute('width', '16');
    swatch.setAttribute('height', '3');
    swatch.setAttribute('fill', k.color);
    block.append(swatch);
    text(x + 21, line, k.name, 'font: 12px sans-serif; fill: #4a5160');
    x += entry + 14;
  }
  return { block, height };
}

/** The charts stacked into one standalone SVG document (with a white background). */
export function chartsToSvg(
  svgs: SVGSVGElement[],
  titles: string[],
  keys: ExportKey[] = [],
): { text: string; width: number; height: number } {
  const ns = 'http://www.w3.org/2000/svg';
  const width = Math.max(...svgs.map((s) => s.width.baseVal.value));
  let y = 0;
  const out = document.createElementNS(ns, 'svg');
  out.setAttribute('xmlns', ns);
  const bg = document.createElementNS(ns, 'rect');
  out.append(bg);
  // Colours resolved once for every chart's keys: the copy has no stylesheet to read var() from.
  const painted = keys.map((k) => ({ name: k.name, color: paintOf(k.color) }));
  svgs.forEach((svg, i) => {
    const { block, height } = titleBlock(ns, titles[i] ?? '', painted, y, width);
    out.append(block);
    const copy = svg.cloneNode(true) as SVGSVGElement;
    inlinePaint(svg, copy);
    const g = document.createElementNS(ns, 'g');
    g.setAttribute('transform', `translate(0, ${y + height})`);
    g.append(...Array.from(copy.childNodes));
    out.append(g);
    y += height + svg.height.baseVal.value + 12;
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
