/**
 * A one-page PDF of text lines (Helvetica, A4): enough for a quote document that any PDF
 * reader opens. Built by hand (PDF 1.4 objects, a cross-reference table with exact byte
 * offsets) rather than with a library, since this is all the clone ever draws.
 */
export function textPdf(title: string, lines: readonly string[]): Buffer {
  const ascii = (text: string) =>
    text
      .replace(/[^\x20-\x7e]/g, '?')
      .replaceAll('\\', '\\\\')
      .replaceAll('(', '\\(')
      .replaceAll(')', '\\)');
  const rows = [`BT /F1 18 Tf 56 780 Td (${ascii(title)}) Tj ET`];
  lines.slice(0, 45).forEach((line, index) => {
    rows.push(`BT /F1 11 Tf 56 ${740 - index * 16} Td (${ascii(line)}) Tj ET`);
  });
  const content = rows.join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
