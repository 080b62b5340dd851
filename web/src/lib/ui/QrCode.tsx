/**
 * A QR code as inline SVG (uqr encodes; one <path> draws every dark module, so even a long
 * ticket id stays a few hundred bytes of markup). Crisp at any size and in print.
 */
import { encode } from "uqr";

export interface QrCodeProps {
  value: string;
  /** Accessible name, e.g. "Mã QR của số thứ tự A001". */
  label: string;
  class?: string;
  size?: number | string;
}

/** SVG path data: one 1×1 square per dark module, offset by the quiet zone. */
export function qrPath(value: string): { path: string; size: number } {
  const { data, size } = encode(value, { ecc: "M", border: 2 });
  let path = "";
  for (let y = 0; y < size; y++) {
    const row = data[y]!;
    for (let x = 0; x < size; x++) if (row[x]) path += `M${x} ${y}h1v1h-1z`;
  }
  return { path, size };
}

export function QrCode({ value, label, size = "100%", ...rest }: QrCodeProps) {
  const { path, size: n } = qrPath(value);
  return (
    <svg
      class={rest.class}
      role="img"
      aria-label={label}
      viewBox={`0 0 ${n} ${n}`}
      width={size}
      height={size}
      shape-rendering="crispEdges"
      data-qr-value={value}
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
