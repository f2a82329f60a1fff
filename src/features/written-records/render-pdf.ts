/**
 * The written record as a tagged PDF (the attachment the caller files as evidence).
 *
 * Every piece of text is drawn inside a structure element (Document > H1, P, Table > TR >
 * TH/TD, L > LI > Lbl/LBody, Sect > H2 …) so screen readers get headings, tables and lists;
 * rules, borders and page numbers are marked as artifacts. pdfkit runs a structure
 * element's closure when it is added to the attached tree, so blocks are added one at a time
 * and page breaks can be decided between them.
 *
 * The built-in Helvetica needs no font files but only covers Windows-1252 ("WinAnsi"), so
 * text is folded into that character set first (see `toWinAnsi`); the HTML and text parts
 * of the email keep the exact spelling.
 */
import PDFDocument from 'pdfkit';
import { recordDocument, writtenRecordSubject, type Inline, type RecordBlock, type RecordDocument, type RecordRow, type WrittenRecordModel } from './written-record.js';

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

const TEXT = '#0b0c0c';
const LINK = '#1d70b8';
const BORDER = '#b1b4b6';
const SECONDARY = '#484949';
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

const MARGIN = { top: 56, bottom: 72, left: 56, right: 56 };
const BODY = 11;
const LINE_GAP = 2.5;
const LABEL_SHARE = 0.38;
const COLUMN_GAP = 12;
const CELL_PADDING = 4.5;

// ---------------------------------------------------------------------------
// Character set
// ---------------------------------------------------------------------------

/** Windows-1252 characters in 0x80–0x9F; with ASCII and Latin-1 this is what Helvetica can show. */
const CP1252_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** Letters with no Unicode decomposition to a base letter. */
const FOLD: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't', ſ: 's', ŀ: 'l', Ŀ: 'L', '\u2011': '-', '\u2212': '-' };

function inWinAnsi(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || CP1252_EXTRA.has(ch);
}

/**
 * `text` in characters the standard PDF fonts can draw: accents that Windows-1252 lacks are
 * dropped ('ś' → 's'), a few letters are folded by hand ('Ł' → 'L'), other spaces become
 * spaces, and anything else becomes '?', never a wrong glyph.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    if (inWinAnsi(ch)) out += ch;
    else if (FOLD[ch]) out += FOLD[ch];
    else if (/\s/u.test(ch)) out += ch === '\t' ? '    ' : ' ';
    else {
      const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += base && [...base].every(inWinAnsi) ? base : '?';
    }
  }
  return out;
}

function plain(parts: Inline[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

class Layout {
  readonly root: Struct;
  readonly left = MARGIN.left;
  readonly width: number;

  constructor(readonly doc: Doc) {
    this.width = doc.page.width - MARGIN.left - MARGIN.right;
    this.root = doc.struct('Document');
    doc.addStructure(this.root);
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  get pageIndex(): number {
    const r = this.doc.bufferedPageRange();
    return r.start + r.count - 1;
  }

  atTop(): boolean {
    return this.doc.y <= this.doc.page.margins.top + 0.5;
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom && !this.atTop()) this.doc.addPage();
  }

  /** Vertical space, except at the top of a page. */
  space(points: number): void {
    if (!this.atTop()) this.doc.y += points;
  }

  measure(text: string, font: string, size: number, width: number): number {
    this.doc.font(font).fontSize(size);
    return this.doc.heightOfString(toWinAnsi(text), { width, lineGap: LINE_GAP });
  }

  /** Draws text inside the current structure closure. */
  write(text: string, x: number, width: number, font = REGULAR, size = BODY, options: PDFKit.Mixins.TextOptions = {}): void {
    this.doc.font(font).fontSize(size).fillColor(options.link ? LINK : TEXT);
    this.doc.text(toWinAnsi(text), x, this.doc.y, { width, lineGap: LINE_GAP, ...options });
    this.doc.fillColor(TEXT);
  }

  /** Decoration that is not content: rules, borders, page numbers. */
  artifact(draw: () => void, type: 'Layout' | 'Pagination' = 'Layout'): void {
    this.doc.markContent('Artifact', { type });
    draw();
    this.doc.endMarkedContent();
  }

  rule(y: number, color = BORDER, thickness = 0.75, x = this.left, width = this.width): void {
    this.artifact(() => {
      this.doc.save().moveTo(x, y).lineTo(x + width, y).lineWidth(thickness).strokeColor(color).stroke().restore();
    });
  }

  /** `keepWith`: the height of a sub-heading that follows straight on, kept on the same page. */
  heading(parent: Struct, tag: 'H1' | 'H2' | 'H3', text: string, x = this.left, width = this.width, keepWith = 0): void {
    const size = tag === 'H1' ? 22 : tag === 'H2' ? 16 : 12.5;
    const before = tag === 'H1' ? 6 : tag === 'H2' ? 18 : 11;
    const after = tag === 'H1' ? 12 : tag === 'H2' ? 8 : 5;
    const height = this.measure(text, BOLD, size, width);
    this.space(before);
    // Keep a heading with at least three lines of what follows it.
    this.ensure(height + after + keepWith + 3 * (BODY + LINE_GAP + 2));
    parent.add(this.doc.struct(tag, {}, () => this.write(text, x, width, BOLD, size)));
    this.doc.y += after;
  }

  paragraph(parent: Struct, text: string, opts: { strong?: boolean; x?: number; width?: number; size?: number; after?: number } = {}): void {
    const x = opts.x ?? this.left;
    const width = opts.width ?? this.width;
    const font = opts.strong ? BOLD : REGULAR;
    const size = opts.size ?? BODY;
    this.ensure(Math.min(this.measure(text, font, size, width), 2 * (size + LINE_GAP + 2)));
    parent.add(this.doc.struct('P', {}, () => this.write(text, x, width, font, size)));
    this.doc.y += opts.after ?? 7;
  }

  link(parent: Struct, text: string, href: string, x = this.left, width = this.width): void {
    this.ensure(BODY + LINE_GAP + 4);
    const link = this.doc.struct('Link', { alt: `Link: ${href}` }, () => this.write(text, x, width, REGULAR, BODY, { link: href, underline: true }));
    parent.add(this.doc.struct('P', {}, [link]));
    this.doc.y += 7;
  }

  list(parent: Struct, items: string[], x = this.left, width = this.width): void {
    const list = this.doc.struct('L');
    parent.add(list);
    const bodyX = x + 16;
    const bodyWidth = width - 16;
    for (const item of items) {
      this.ensure(Math.min(this.measure(item, REGULAR, BODY, bodyWidth), 2 * (BODY + LINE_GAP + 2)));
      const y = this.doc.y;
      const li = this.doc.struct('LI');
      list.add(li);
      li.add(
        this.doc.struct('Lbl', {}, () => {
          this.doc.y = y;
          this.write('•', x + 3, 12);
        }),
      );
      this.doc.y = y;
      li.add(this.doc.struct('LBody', {}, () => this.write(item, bodyX, bodyWidth)));
      li.end();
      this.doc.y += 3;
    }
    list.end();
    this.doc.y += 4;
  }

  /** Label–value rows as a table whose first cell in each row is a row header. */
  rows(parent: Struct, rows: RecordRow[], x = this.left, width = this.width): void {
    if (rows.length === 0) return;
    const labelWidth = Math.round(width * LABEL_SHARE);
    const valueX = x + labelWidth + COLUMN_GAP;
    const valueWidth = width - labelWidth - COLUMN_GAP;
    const table = this.doc.struct('Table');
    parent.add(table);
    for (const r of rows) {
      const labelHeight = this.measure(r.label, BOLD, BODY, labelWidth);
      const valueHeight = r.value.reduce<number>((h, v) => h + this.measure(typeof v === 'string' ? v : v.text, REGULAR, BODY, valueWidth), 0);
      const usable = this.bottom - this.doc.page.margins.top;
      const rowHeight = Math.max(labelHeight, valueHeight) + 2 * CELL_PADDING;
      this.ensure(rowHeight <= usable ? rowHeight : labelHeight + 2 * CELL_PADDING);
      // A rule above the first row, and above the first row on each new page.
      if (r === rows[0] || this.atTop()) this.rule(this.doc.y, BORDER, 0.75, x, width);

      const tr = this.doc.struct('TR');
      table.add(tr);
      const top = this.doc.y + CELL_PADDING;
      const startPage = this.pageIndex;
      this.doc.y = top;
      tr.add(this.doc.struct('TH', { scope: 'Row' } as PDFKit.Mixins.StructureElementOptions, () => this.write(r.label, x, labelWidth, BOLD)));
      const labelBottom = this.doc.y;

      // The value starts level with the label. Labels are short and the row was made to fit,
      // so only a value longer than a page carries on over a page break.
      const td = this.doc.struct('TD');
      tr.add(td);
      this.doc.y = top;
      for (const v of r.value) {
        if (typeof v === 'string') td.add(() => this.write(v, valueX, valueWidth));
        else td.add(this.doc.struct('Link', {}, () => this.write(v.text, valueX, valueWidth, REGULAR, BODY, { link: v.href, underline: true })));
      }
      td.end();
      tr.end();
      const valueBottom = this.doc.y;
      this.doc.y = (this.pageIndex === startPage ? Math.max(labelBottom, valueBottom) : valueBottom) + CELL_PADDING - LINE_GAP;
      this.rule(this.doc.y, BORDER, 0.75, x, width);
    }
    table.end();
    this.doc.y += 12;
  }

  /** Roughly how tall `b` will be: used to keep the end of the record together. */
  measureBlock(b: RecordBlock, width = this.width): number {
    const line = (t: string, font = REGULAR, w = width) => this.measure(t, font, BODY, w);
    switch (b.kind) {
      case 'paragraph':
        return line(plain(b.parts), b.strong ? BOLD : REGULAR) + 7;
      case 'heading':
        return this.measure(b.text, BOLD, 12.5, width) + 16;
      case 'list':
        return b.items.reduce((h, i) => h + line(i, REGULAR, width - 16) + 3, 4);
      case 'free':
        return b.paragraphs.reduce((h, p) => h + line(p) + 7, 3);
      case 'link':
        return line(b.text) + 7;
      case 'rows': {
        const labelWidth = Math.round(width * LABEL_SHARE);
        const valueWidth = width - labelWidth - COLUMN_GAP;
        return b.rows.reduce(
          (h, r) =>
            h + 2 * CELL_PADDING + Math.max(line(r.label, BOLD, labelWidth), r.value.reduce<number>((v, t) => v + line(typeof t === 'string' ? t : t.text, REGULAR, valueWidth), 0)),
          12,
        );
      }
    }
  }

  block(parent: Struct, b: RecordBlock, x = this.left, width = this.width): void {
    switch (b.kind) {
      case 'paragraph':
        return this.paragraph(parent, plain(b.parts), { strong: b.strong, x, width });
      case 'heading':
        return this.heading(parent, 'H3', b.text, x, width);
      case 'list':
        return this.list(parent, b.items, x, width);
      case 'free':
        for (const p of b.paragraphs) this.paragraph(parent, p, { x, width });
        this.doc.y += 3;
        return;
      case 'link':
        return this.link(parent, b.text, b.href, x, width);
      case 'rows':
        return this.rows(parent, b.rows, x, width);
    }
  }
}

// ---------------------------------------------------------------------------
// The record
// ---------------------------------------------------------------------------

export function renderPdf(model: WrittenRecordModel): Promise<Buffer> {
  const d = recordDocument(model);
  return renderPdfDocument(d, {
    title: writtenRecordSubject(model),
    author: model.serviceName,
    subject: `${d.title}: reference ${model.reference}, version ${model.version}`,
    sentAtIso: model.sentAtIso,
    pageReference: `${model.reference}, version ${model.version}`,
  });
}

/** What the PDF says about itself, and what each page's footer names. */
export interface PdfMeta {
  title: string;
  author: string;
  subject: string;
  sentAtIso: string;
  /** After 'Reference ' in every page's footer. */
  pageReference: string;
}

/** Any document laid out like the written record (the record itself, or a MASH decision letter). */
export function renderPdfDocument(d: RecordDocument, meta: PdfMeta): Promise<Buffer> {
  const sentAt = new Date(meta.sentAtIso);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    tagged: true,
    pdfVersion: '1.7',
    lang: 'en-GB',
    displayTitle: true,
    bufferPages: true,
    info: {
      Title: toWinAnsi(meta.title),
      Author: toWinAnsi(meta.author),
      Subject: toWinAnsi(meta.subject),
      Creator: 'Front Door',
      CreationDate: Number.isNaN(sentAt.getTime()) ? new Date() : sentAt,
    },
  });

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw(doc, meta.pageReference, d);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

function draw(doc: Doc, pageReference: string, d: RecordDocument): void {
  const L = new Layout(doc);
  const { root } = L;
  doc.fillColor(TEXT);

  // Masthead: who the record is from, over a blue rule.
  L.paragraph(root, d.masthead[0], { strong: true, after: 0 });
  L.paragraph(root, d.masthead[1], { after: 4 });
  L.rule(doc.y, LINK, 4);
  doc.y += 16;

  L.heading(root, 'H1', d.title);

  if (d.notice) {
    const inset = 14;
    const top = doc.y;
    const startPage = L.pageIndex;
    doc.y += inset - 2;
    const notice = doc.struct('Div');
    root.add(notice);
    L.paragraph(notice, d.notice.title, { strong: true, x: L.left + inset, width: L.width - 2 * inset, size: 12.5 });
    for (const b of d.notice.blocks) L.block(notice, b, L.left + inset, L.width - 2 * inset);
    notice.end();
    doc.y += inset - 10;
    drawBox(L, startPage, top, L.pageIndex, doc.y);
    doc.y += 16;
  }

  for (const b of d.intro) L.block(root, b);

  const CLOSING = 80;
  d.sections.forEach((s, i) => {
    // Keep the last section with the closing lines, rather than leave those alone on a page.
    if (i === d.sections.length - 1) {
      const need = 18 + L.measure(s.heading, BOLD, 16, L.width) + 8 + s.blocks.reduce((h, b) => h + L.measureBlock(b), 0) + CLOSING;
      if (need <= L.bottom - doc.page.margins.top) L.ensure(need);
    }
    const sect = doc.struct('Sect');
    root.add(sect);
    const first = s.blocks[0];
    const subheading = first?.kind === 'heading' ? L.measure(first.text, BOLD, 12.5, L.width) + 16 : 0;
    L.heading(sect, 'H2', s.heading, L.left, L.width, subheading);
    for (const b of s.blocks) L.block(sect, b);
    sect.end();
  });

  L.space(18);
  L.ensure(CLOSING - 18);
  L.rule(doc.y);
  doc.y += 10;
  L.paragraph(root, d.footer[0] ?? '', { strong: true });
  for (const f of d.footer.slice(1)) L.paragraph(root, f, { size: 9.5 });
  root.end();

  drawPageFooters(L, pageReference);
}

/** The border of the amended-record notice, drawn once its height is known (over a page break if need be). */
function drawBox(L: Layout, startPage: number, top: number, endPage: number, bottom: number): void {
  const { doc } = L;
  for (let p = startPage; p <= endPage; p++) {
    doc.switchToPage(p);
    const y1 = p === startPage ? top : doc.page.margins.top;
    const y2 = p === endPage ? bottom : L.bottom;
    L.artifact(() => {
      doc.save().lineWidth(4).strokeColor(LINK);
      if (p === startPage && p === endPage) doc.rect(L.left + 2, y1, L.width - 4, y2 - y1).stroke();
      else {
        // Open at the page break, so the box reads as continuing.
        doc.moveTo(L.left + 2, y1).lineTo(L.left + 2, y2).moveTo(L.left + L.width - 2, y1).lineTo(L.left + L.width - 2, y2);
        if (p === startPage) doc.moveTo(L.left, y1).lineTo(L.left + L.width, y1);
        if (p === endPage) doc.moveTo(L.left, y2).lineTo(L.left + L.width, y2);
        doc.stroke();
      }
      doc.restore();
    });
  }
  doc.switchToPage(endPage);
}

/** 'Reference …' on the left and 'Page 1 of 2' on the right of every page, as pagination artifacts. */
function drawPageFooters(L: Layout, reference: string): void {
  const { doc } = L;
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 44;
    L.artifact(() => {
      doc.save().moveTo(L.left, y - 8).lineTo(L.left + L.width, y - 8).lineWidth(0.5).strokeColor(BORDER).stroke().restore();
      doc.font(REGULAR).fontSize(9).fillColor(SECONDARY);
      doc.text(toWinAnsi(`Reference ${reference}`), L.left, y, { width: L.width / 2, lineBreak: false });
      doc.text(`Page ${i + 1} of ${range.count}`, L.left + L.width / 2, y, { width: L.width / 2, align: 'right', lineBreak: false });
      doc.fillColor(TEXT);
    }, 'Pagination');
    doc.page.margins.bottom = margin;
  }
}
