/**
 * The written record as an HTML email. Email clients strip <style> blocks and scripts, and
 * Outlook ignores max-width on a div, so the layout is presentation tables with inline styles
 * only, a system font stack, GOV.UK colours (text #0b0c0c on white, links #1d70b8 underlined)
 * and no images.
 */
import { recordDocument, writtenRecordSubject, type Inline, type RecordBlock, type RecordDocument, type WrittenRecordModel } from './written-record.js';

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const TEXT = '#0b0c0c';
const LINK = '#1d70b8';
const BORDER = '#b1b4b6';
const SECONDARY = '#484949';

const S = {
  body: `margin:0;padding:0;background-color:#ffffff;color:${TEXT};font-family:${FONT};font-size:16px;line-height:1.5;`,
  masthead: `margin:0 0 20px 0;padding:0 0 10px 0;border-bottom:8px solid ${LINK};font-size:16px;line-height:1.4;color:${TEXT};`,
  h1: `margin:0 0 20px 0;font-size:30px;line-height:1.2;font-weight:700;color:${TEXT};`,
  h2: `margin:35px 0 15px 0;font-size:24px;line-height:1.25;font-weight:700;color:${TEXT};`,
  h3: `margin:25px 0 10px 0;font-size:19px;line-height:1.3;font-weight:700;color:${TEXT};`,
  p: `margin:0 0 15px 0;font-size:16px;line-height:1.5;color:${TEXT};`,
  pStrong: `margin:0 0 15px 0;font-size:16px;line-height:1.5;color:${TEXT};font-weight:700;`,
  ul: `margin:0 0 15px 0;padding:0 0 0 20px;font-size:16px;line-height:1.5;color:${TEXT};`,
  li: 'margin:0 0 5px 0;',
  table: `width:100%;border-collapse:collapse;margin:0 0 20px 0;font-size:16px;line-height:1.5;color:${TEXT};`,
  th: `text-align:left;vertical-align:top;font-weight:700;padding:10px 20px 10px 0;border-bottom:1px solid ${BORDER};width:40%;`,
  td: `text-align:left;vertical-align:top;padding:10px 0;border-bottom:1px solid ${BORDER};`,
  a: `color:${LINK};text-decoration:underline;`,
  linkP: `margin:0 0 15px 0;font-size:19px;line-height:1.4;word-break:break-all;`,
  notice: `margin:0 0 25px 0;padding:15px 20px;border:5px solid ${LINK};`,
  noticeTitle: `margin:0 0 15px 0;font-size:19px;line-height:1.3;font-weight:700;color:${TEXT};`,
  footer: `margin:40px 0 0 0;padding:15px 0 0 0;border-top:1px solid ${BORDER};`,
  footerP: `margin:0 0 10px 0;font-size:16px;line-height:1.5;color:${TEXT};`,
  footerSmall: `margin:0 0 10px 0;font-size:14px;line-height:1.5;color:${SECONDARY};`,
};

/** Escapes text for use in HTML content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Only links we build ourselves are expected, but never emit a javascript: or data: URL. */
function safeHref(href: string): string {
  return /^(https?:|mailto:|tel:)/i.test(href) ? href : '#';
}

function inline(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part);
  return `<a href="${escapeHtml(safeHref(part.href))}" style="${S.a}">${escapeHtml(part.text)}</a>`;
}

/** Free text keeps the worker's line breaks. */
function withBreaks(text: string): string {
  return escapeHtml(text).replace(/\n/g, '<br>\n');
}

function block(b: RecordBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p style="${b.strong ? S.pStrong : S.p}">${b.parts.map(inline).join('')}</p>`;
    case 'heading':
      return `<h3 style="${S.h3}">${escapeHtml(b.text)}</h3>`;
    case 'list':
      return `<ul style="${S.ul}">\n${b.items.map((i) => `<li style="${S.li}">${escapeHtml(i)}</li>`).join('\n')}\n</ul>`;
    case 'free':
      return b.paragraphs.map((p) => `<p style="${S.p}">${withBreaks(p)}</p>`).join('\n');
    case 'link':
      return `<p style="${S.linkP}"><a href="${escapeHtml(safeHref(b.href))}" style="${S.a}">${escapeHtml(b.text)}</a></p>`;
    case 'rows':
      if (b.rows.length === 0) return '';
      return [
        `<table style="${S.table}">`,
        '<tbody>',
        ...b.rows.map((r) => `<tr><th scope="row" style="${S.th}">${escapeHtml(r.label)}</th><td style="${S.td}">${r.value.map(inline).join('<br>')}</td></tr>`),
        '</tbody>',
        '</table>',
      ].join('\n');
  }
}

export function renderHtml(model: WrittenRecordModel): string {
  return renderHtmlDocument(recordDocument(model), writtenRecordSubject(model));
}

/** Any document laid out like the written record (the record itself, or a MASH decision letter). */
export function renderHtmlDocument(d: RecordDocument, title: string): string {
  const out: string[] = [];
  out.push(`<p style="${S.masthead}"><strong>${escapeHtml(d.masthead[0])}</strong><br>${escapeHtml(d.masthead[1])}</p>`);
  out.push(`<h1 style="${S.h1}">${escapeHtml(d.title)}</h1>`);
  if (d.notice) {
    out.push(`<div style="${S.notice}">`, `<p style="${S.noticeTitle}">${escapeHtml(d.notice.title)}</p>`, ...d.notice.blocks.map(block), '</div>');
  }
  out.push(...d.intro.map(block));
  for (const s of d.sections) {
    out.push(`<h2 id="${escapeHtml(s.id)}" style="${S.h2}">${escapeHtml(s.heading)}</h2>`, ...s.blocks.map(block));
  }
  out.push(
    `<div style="${S.footer}">`,
    `<p style="${S.footerP}"><strong>${escapeHtml(d.footer[0] ?? '')}</strong></p>`,
    ...d.footer.slice(1).map((f) => `<p style="${S.footerSmall}">${escapeHtml(f)}</p>`),
    '</div>',
  );

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(title)}</title>
</head>
<body style="${S.body}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;background-color:#ffffff;">
<tr>
<td align="center" style="padding:20px 15px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;border-collapse:collapse;">
<tr>
<td style="text-align:left;font-family:${FONT};color:${TEXT};">
${out.filter(Boolean).join('\n')}
</td>
</tr>
</table>
</td>
</tr>
</table>
</body>
</html>
`;
}
