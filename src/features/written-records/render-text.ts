/**
 * The written record as plain text: the alternative part of the email, for clients and
 * people who do not use HTML. Same content and order as the HTML and the PDF.
 */
import { recordDocument, type Inline, type RecordBlock, type RecordDocument, type WrittenRecordModel } from './written-record.js';

function inline(part: Inline): string {
  if (typeof part === 'string') return part;
  // mailto: and tel: links read the same as their text; anything else shows its address.
  if (/^(mailto|tel):/i.test(part.href) || part.text === part.href) return part.text;
  return `${part.text} (${part.href})`;
}

function underline(text: string, char: string): string {
  return `${text}\n${char.repeat(Math.min(text.length, 72))}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l : by + l))
    .join('\n');
}

function block(b: RecordBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return b.parts.map(inline).join('');
    case 'heading':
      return `${b.text}:`;
    case 'list':
      return b.items.map((i) => `* ${indent(i, '  ')}`).join('\n');
    case 'free':
      return b.paragraphs.join('\n\n');
    case 'link':
      return b.href;
    case 'rows':
      return b.rows
        .map((r) => {
          // 'Did you agree with the outcome? Yes', 'Version: 2'.
          const label = /[?:]$/.test(r.label) ? r.label : `${r.label}:`;
          return r.value.length === 1 ? `${label} ${inline(r.value[0]!)}` : `${label}\n${r.value.map((v) => `  ${inline(v)}`).join('\n')}`;
        })
        .join('\n');
  }
}

/** Adds blocks, keeping a sub-heading or a paragraph ending in a colon directly on top of what it introduces. */
function pushBlocks(parts: string[], blocks: RecordBlock[]): void {
  let lead = false;
  for (const b of blocks) {
    const text = block(b);
    if (lead && b.kind !== 'heading') parts[parts.length - 1] += `\n${text}`;
    else parts.push(text);
    lead = b.kind === 'heading' || (b.kind === 'paragraph' && text.endsWith(':'));
  }
}

export function renderText(model: WrittenRecordModel): string {
  return renderTextDocument(recordDocument(model));
}

/** Any document laid out like the written record (the record itself, or a MASH decision letter). */
export function renderTextDocument(d: RecordDocument): string {
  const parts: string[] = [];
  parts.push(`${d.masthead[0]}\n${d.masthead[1]}`);
  parts.push(underline(d.title, '='));
  if (d.notice) {
    parts.push(`${'*'.repeat(40)}\n${d.notice.title}`);
    pushBlocks(parts, d.notice.blocks);
    parts.push('*'.repeat(40));
  }
  pushBlocks(parts, d.intro);
  for (const s of d.sections) {
    parts.push(underline(s.heading, '-'));
    pushBlocks(parts, s.blocks);
  }
  parts.push('-'.repeat(40), ...d.footer);
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`;
}
