import { Resvg } from '@resvg/resvg-js';

/** Renders an SVG to PNG with resvg (no browser), using the machine's fonts. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: 'white',
  });
  return r.render().asPng();
}
