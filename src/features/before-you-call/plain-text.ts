/**
 * The plain text administrators write the pages in: paragraphs separated by a blank line, and
 * lines starting "- " are bullets (a run of them is one list). Never HTML: templates print the
 * blocks escaped, so whatever is typed is shown as text.
 */
export type Block = { kind: 'paragraph'; text: string } | { kind: 'bullets'; items: string[] };

export function toBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let bullets: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
    if (bullets.length) blocks.push({ kind: 'bullets', items: bullets });
    paragraph = [];
    bullets = [];
  };
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      flush();
    } else if (/^- /.test(line)) {
      if (paragraph.length) {
        blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
        paragraph = [];
      }
      bullets.push(line.slice(2).trim());
    } else {
      if (bullets.length) {
        blocks.push({ kind: 'bullets', items: bullets });
        bullets = [];
      }
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

export const LIMITS = { title: 300, body: 20000, note: 500 } as const;

export interface PageInput {
  title: string;
  body: string;
  note: string;
}

/** Errors in an edited page, GOV.UK style; none when it can be published. */
export function pageErrors(input: PageInput): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (!input.title) errors.push({ field: 'title', message: 'Enter a heading' });
  else if (input.title.length > LIMITS.title) errors.push({ field: 'title', message: `Heading must be ${LIMITS.title} characters or fewer` });
  if (!input.body) errors.push({ field: 'body', message: 'Enter the text of the page' });
  else if (input.body.length > LIMITS.body) errors.push({ field: 'body', message: `Text must be ${LIMITS.body.toLocaleString('en-GB')} characters or fewer` });
  if (!input.note) errors.push({ field: 'note', message: 'Enter a note saying what you changed' });
  else if (input.note.length > LIMITS.note) errors.push({ field: 'note', message: `Note must be ${LIMITS.note} characters or fewer` });
  return errors;
}
