/**
 * A QR code as one SVG path (qrcode-generator does the encoding). Drawn as a path rather than
 * through the library's own SVG markup, so no HTML string is ever parsed into the page.
 */
import qrcode from "qrcode-generator";

/** The QR code of `text`: `size` modules square (without the quiet zone) and a path of its dark modules. */
export function qrPath(text: string): { size: number; path: string } {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const size = qr.getModuleCount();
  let path = "";
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (qr.isDark(row, col)) path += `M${col} ${row}h1v1h-1z`;
    }
  }
  return { size, path };
}
