/**
 * Formulas as MathML through KaTeX. MathML output needs no inline styles or
 * KaTeX fonts, so it passes the strict Content-Security-Policy (style-src
 * 'self') and Chromium, Firefox and Safari render it natively.
 */
import katex from 'katex';

/** Renders trusted TeX (our own constants, never user input) to MathML markup. */
export function tex(source: string, display = false): string {
  return katex.renderToString(source, {
    output: 'mathml',
    displayMode: display,
    throwOnError: true,
  });
}
