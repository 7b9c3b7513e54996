//! Where everything goes: the document cut into pages of drawing operations. Positions are
//! in points from the top-left corner of the page (the writer turns them into PDF's
//! bottom-up coordinates), and every text is already measured, wrapped and aligned.

use super::metrics::Font;
use super::text::wrap;
use super::{Align, BusinessDocument, Column, PartyBlock};

const fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

pub(crate) const PAGE_WIDTH: f32 = mm(210.0);
pub(crate) const PAGE_HEIGHT: f32 = mm(297.0);
const MARGIN: f32 = mm(20.0);
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const CONTENT_WIDTH: f32 = RIGHT - LEFT;

/// Where a window envelope (DIN 5008, C5/6 and DL) shows the address: 45 mm from the top,
/// 20 mm from the left, about 85 mm wide and 45 mm high. The table starts below it so no
/// line of it shows through the window.
const RECIPIENT_TOP: f32 = mm(45.0);
const RECIPIENT_WIDTH: f32 = mm(85.0);
const BODY_TOP_MIN: f32 = mm(92.0);
/// The facts beside the address start 95 mm into the text area (115 mm from the edge).
const META_LEFT: f32 = LEFT + mm(95.0);

const CELL_PAD_X: f32 = 3.0;
const CELL_PAD_Y: f32 = 3.5;

/// One drawing operation on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A line of WinAnsi text whose baseline starts at (x, baseline).
    Text {
        x: f32,
        baseline: f32,
        font: Font,
        size: f32,
        gray: f32,
        text: Vec<u8>,
    },
    /// A horizontal line from x1 to x2 at height y.
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        gray: f32,
    },
    /// A filled rectangle whose top-left corner is (x, y).
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Style {
    font: Font,
    size: f32,
    leading: f32,
    gray: f32,
}

const fn style(font: Font, size: f32, leading: f32, gray: f32) -> Style {
    Style {
        font,
        size,
        leading,
        gray,
    }
}

const ISSUER_NAME: Style = style(Font::Bold, 10.5, 13.0, 0.0);
const ISSUER_LINE: Style = style(Font::Regular, 8.5, 10.5, 0.3);
const TITLE: Style = style(Font::Bold, 17.0, 20.0, 0.0);
const NUMBER: Style = style(Font::Regular, 10.5, 13.0, 0.0);
const PARTY_NAME: Style = style(Font::Bold, 10.0, 12.5, 0.0);
const PARTY_LINE: Style = style(Font::Regular, 10.0, 12.5, 0.0);
const META_LABEL: Style = style(Font::Regular, 9.0, 12.0, 0.35);
const META_VALUE: Style = style(Font::Regular, 9.0, 12.0, 0.0);
const HEAD_CELL: Style = style(Font::Bold, 9.0, 11.0, 0.0);
const CELL: Style = style(Font::Regular, 9.0, 11.0, 0.0);
const TOTAL: Style = style(Font::Regular, 9.0, 13.5, 0.0);
const TOTAL_BOLD: Style = style(Font::Bold, 10.0, 14.0, 0.0);
const NOTE: Style = style(Font::Regular, 9.0, 11.5, 0.1);
const FOOTER: Style = style(Font::Regular, 7.5, 9.5, 0.35);
const RUNNING_HEAD: Style = style(Font::Regular, 8.5, 11.0, 0.35);

/// The baseline of a line of `style` whose box starts at `top`: the capitals sit in the
/// middle of the leading.
fn baseline(top: f32, style: Style) -> f32 {
    top + style.leading / 2.0 + 0.35 * style.size
}

fn put_line(
    ops: &mut Vec<Op>,
    line: &[u8],
    style: Style,
    x: f32,
    width: f32,
    align: Align,
    top: f32,
) {
    if line.is_empty() {
        return;
    }
    let x = match align {
        Align::Left => x,
        Align::Right => x + width - style.font.width(line, style.size),
    };
    ops.push(Op::Text {
        x,
        baseline: baseline(top, style),
        font: style.font,
        size: style.size,
        gray: style.gray,
        text: line.to_vec(),
    });
}

/// Draws `lines` one under the other from `top`; returns the height they take.
fn put_lines(
    ops: &mut Vec<Op>,
    lines: &[Vec<u8>],
    style: Style,
    x: f32,
    width: f32,
    align: Align,
    top: f32,
) -> f32 {
    for (i, line) in lines.iter().enumerate() {
        put_line(
            ops,
            line,
            style,
            x,
            width,
            align,
            top + i as f32 * style.leading,
        );
    }
    lines.len() as f32 * style.leading
}

fn wrap_in(text: &str, style: Style, width: f32) -> Vec<Vec<u8>> {
    wrap(text, style.font, style.size, width)
}

/// Draws a party's block from `top`; returns its bottom.
fn put_party(
    ops: &mut Vec<Op>,
    party: &PartyBlock,
    (name, line): (Style, Style),
    x: f32,
    width: f32,
    top: f32,
) -> f32 {
    let mut y = top;
    if !party.heading.trim().is_empty() {
        let lines = wrap_in(&party.heading, name, width);
        y += put_lines(ops, &lines, name, x, width, Align::Left, y);
    }
    for text in &party.lines {
        let lines = wrap_in(text, line, width);
        y += put_lines(ops, &lines, line, x, width, Align::Left, y);
    }
    y
}

/// The labelled facts in two columns; returns the bottom.
fn put_meta(ops: &mut Vec<Op>, meta: &[(String, String)], x: f32, width: f32, top: f32) -> f32 {
    const GAP: f32 = 8.0;
    let widest = meta
        .iter()
        .flat_map(|(label, _)| wrap_in(label, META_LABEL, f32::INFINITY))
        .map(|line| META_LABEL.font.width(&line, META_LABEL.size))
        .fold(0.0f32, f32::max);
    let label_width = widest.min(width * 0.45);
    let value_x = x + label_width + GAP;
    let value_width = x + width - value_x;
    let mut y = top;
    for (label, value) in meta {
        let labels = wrap_in(label, META_LABEL, label_width);
        let values = wrap_in(value, META_VALUE, value_width);
        let a = put_lines(ops, &labels, META_LABEL, x, label_width, Align::Left, y);
        let b = put_lines(
            ops,
            &values,
            META_VALUE,
            value_x,
            value_width,
            Align::Left,
            y,
        );
        y += a.max(b);
    }
    y
}

/// The body of the document flowing down the pages.
struct Flow {
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// Where the next thing goes.
    y: f32,
    /// Where the body ends (above the footer).
    bottom: f32,
    /// Where the body starts on the current page: nothing was placed while `y` is here.
    body_top: f32,
    running_head: Vec<Vec<u8>>,
}

impl Flow {
    fn room(&self) -> f32 {
        self.bottom - self.y
    }

    fn is_fresh(&self) -> bool {
        self.y <= self.body_top + 0.01
    }

    /// Where the body starts on a continuation page.
    fn continuation_top(&self) -> f32 {
        if self.running_head.is_empty() {
            MARGIN
        } else {
            MARGIN + self.running_head.len() as f32 * RUNNING_HEAD.leading + 10.0
        }
    }

    /// The height a continuation page offers.
    fn fresh_room(&self) -> f32 {
        self.bottom - self.continuation_top()
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.ops));
        put_lines(
            &mut self.ops,
            &self.running_head,
            RUNNING_HEAD,
            LEFT,
            CONTENT_WIDTH,
            Align::Right,
            MARGIN,
        );
        self.y = self.continuation_top();
        self.body_top = self.y;
    }

    fn rule(&mut self, x1: f32, x2: f32, width: f32, gray: f32) {
        self.ops.push(Op::Rule {
            x1,
            x2,
            y: self.y,
            width,
            gray,
        });
    }

    fn finish(mut self) -> Vec<Vec<Op>> {
        self.done.push(self.ops);
        self.done
    }
}

/// A header cell longer than this is cut: the header repeats on every page, and must leave
/// room for rows whatever the columns' widths.
const MAX_HEADER_LINES: usize = 4;

/// The columns' widths in points: shares of the text width by weight, except that no
/// column gets less than 20 pt (or an equal share, with very many columns), so that a
/// cell's text never wraps into a tower one character wide.
fn column_widths(columns: &[Column]) -> Vec<f32> {
    // Clamped so that the sum stays finite and every share positive.
    let weights: Vec<f32> = columns
        .iter()
        .map(|c| {
            if c.width.is_finite() && c.width > 0.0 {
                c.width.clamp(1e-3, 1e6)
            } else {
                1.0
            }
        })
        .collect();
    let min = (CONTENT_WIDTH / columns.len().max(1) as f32).min(20.0);
    let mut fixed = vec![false; columns.len()];
    loop {
        // Columns held at the minimum keep it; the rest share what is left by weight.
        let free_width = CONTENT_WIDTH - min * fixed.iter().filter(|f| **f).count() as f32;
        let free_weight: f32 = weights
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(w, _)| w)
            .sum();
        let widths: Vec<f32> = weights
            .iter()
            .zip(&fixed)
            .map(|(w, f)| {
                if *f {
                    min
                } else {
                    w / free_weight * free_width
                }
            })
            .collect();
        let mut changed = false;
        for (i, w) in widths.iter().enumerate() {
            if !fixed[i] && *w < min {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return widths;
        }
    }
}

/// The table of lines: column positions and the wrapped header.
struct Table {
    x: Vec<f32>,
    width: Vec<f32>,
    align: Vec<Align>,
    header: Vec<Vec<Vec<u8>>>,
    header_height: f32,
}

impl Table {
    fn new(columns: &[Column]) -> Self {
        let width = column_widths(columns);
        let x: Vec<f32> = width
            .iter()
            .scan(LEFT, |x, w| {
                let at = *x;
                *x += w;
                Some(at)
            })
            .collect();
        let mut table = Self {
            x,
            width,
            align: columns.iter().map(|c| c.align).collect(),
            header: Vec::new(),
            header_height: 0.0,
        };
        table.header = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut lines = wrap_in(&c.header, HEAD_CELL, table.inner_width(i));
                lines.truncate(MAX_HEADER_LINES);
                lines
            })
            .collect();
        let lines = table.header.iter().map(Vec::len).max().unwrap_or(0);
        table.header_height = lines as f32 * HEAD_CELL.leading + 2.0 * CELL_PAD_Y;
        table
    }

    fn inner_width(&self, column: usize) -> f32 {
        (self.width[column] - 2.0 * CELL_PAD_X).max(1.0)
    }

    fn draw_header(&self, flow: &mut Flow) {
        flow.ops.push(Op::Fill {
            x: LEFT,
            y: flow.y,
            width: CONTENT_WIDTH,
            height: self.header_height,
            gray: 0.92,
        });
        for (i, lines) in self.header.iter().enumerate() {
            put_lines(
                &mut flow.ops,
                lines,
                HEAD_CELL,
                self.x[i] + CELL_PAD_X,
                self.inner_width(i),
                self.align[i],
                flow.y + CELL_PAD_Y,
            );
        }
        flow.y += self.header_height;
        flow.rule(LEFT, RIGHT, 0.6, 0.45);
    }

    /// Lines `from..to` of every cell of a row.
    fn draw_slice(&self, flow: &mut Flow, cells: &[Vec<Vec<u8>>], from: usize, to: usize) {
        for (i, lines) in cells.iter().enumerate() {
            let slice = lines.get(from..to.min(lines.len())).unwrap_or_default();
            put_lines(
                &mut flow.ops,
                slice,
                CELL,
                self.x[i] + CELL_PAD_X,
                self.inner_width(i),
                self.align[i],
                flow.y + CELL_PAD_Y,
            );
        }
        flow.y += (to - from) as f32 * CELL.leading + 2.0 * CELL_PAD_Y;
        flow.rule(LEFT, RIGHT, 0.4, 0.8);
    }

    /// Places the rows, breaking pages between rows where it can and repeating the header
    /// on each page. A row taller than a whole page is split between its lines.
    fn draw_rows(&self, flow: &mut Flow, rows: &[Vec<String>]) {
        let lead = CELL.leading;
        // The header is drawn with the first row on a page, never alone at its foot.
        let mut header_pending = true;
        for row in rows {
            let cells: Vec<Vec<Vec<u8>>> = (0..self.x.len())
                .map(|i| {
                    let text = row.get(i).map_or("", String::as_str);
                    wrap_in(text, CELL, self.inner_width(i))
                })
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let whole = n as f32 * lead + 2.0 * CELL_PAD_Y + self.header_height;
            let mut from = 0;
            while from < n {
                let head = if header_pending {
                    self.header_height
                } else {
                    0.0
                };
                let avail = flow.room() - head - 2.0 * CELL_PAD_Y;
                let fit = if avail >= lead {
                    (avail / lead) as usize
                } else {
                    0
                };
                let rest = n - from;
                let moves_whole = from == 0 && whole <= flow.fresh_room();
                let take = if fit >= rest {
                    rest
                } else if !flow.is_fresh() && (fit == 0 || moves_whole) {
                    flow.new_page();
                    header_pending = true;
                    continue;
                } else {
                    // Taller than a page: as much as fits, at least one line so that the
                    // loop always moves on.
                    fit.max(1)
                };
                if header_pending {
                    self.draw_header(flow);
                    header_pending = false;
                }
                self.draw_slice(flow, &cells, from, from + take);
                from += take;
                if from < n {
                    flow.new_page();
                    header_pending = true;
                }
            }
        }
        if rows.is_empty() {
            if flow.room() < self.header_height && !flow.is_fresh() {
                flow.new_page();
            }
            self.draw_header(flow);
        }
    }
}

/// The totals: labels right-aligned before the last column, amounts right-aligned in it.
fn draw_totals(flow: &mut Flow, totals: &[(String, String, bool)], table: Option<&Table>) {
    if totals.is_empty() {
        return;
    }
    let last_x = table
        .and_then(|t| t.x.last().copied())
        .unwrap_or(RIGHT - CONTENT_WIDTH * 0.25);
    let value_right = RIGHT - CELL_PAD_X;
    let label_right = last_x - CELL_PAD_X;
    let label_left = (LEFT + CONTENT_WIDTH * 0.4)
        .min(label_right - 90.0)
        .max(LEFT);
    struct Entry {
        style: Style,
        labels: Vec<Vec<u8>>,
        values: Vec<Vec<u8>>,
        label_right: f32,
        bold: bool,
        height: f32,
    }
    let entries: Vec<Entry> = totals
        .iter()
        .map(|(label, value, bold)| {
            let style = if *bold { TOTAL_BOLD } else { TOTAL };
            let values = wrap_in(value, style, value_right - label_left);
            let value_width = values
                .iter()
                .map(|l| style.font.width(l, style.size))
                .fold(0.0f32, f32::max);
            // A wide amount pushes its label to the left rather than over it.
            let label_right = label_right.min(value_right - value_width - 12.0);
            let labels = wrap_in(label, style, (label_right - label_left).max(40.0));
            let lines = labels.len().max(values.len());
            let height = lines as f32 * style.leading + if *bold { 4.0 } else { 0.0 };
            Entry {
                style,
                labels,
                values,
                label_right,
                bold: *bold,
                height,
            }
        })
        .collect();
    flow.y += 6.0;
    let block: f32 = entries.iter().map(|e| e.height).sum();
    if flow.room() < block && !flow.is_fresh() && block <= flow.fresh_room() {
        flow.new_page();
    }
    for e in entries {
        if flow.room() < e.height && !flow.is_fresh() && e.height <= flow.fresh_room() {
            flow.new_page();
        }
        if e.bold {
            flow.y += 2.0;
            flow.rule(label_left, RIGHT, 0.8, 0.0);
            flow.y += 2.0;
        }
        let label_width = (e.label_right - label_left).max(40.0);
        let label_x = e.label_right - label_width;
        let value_width = value_right - label_left;
        for i in 0..e.labels.len().max(e.values.len()) {
            // Only an entry taller than a page gets here without room.
            if flow.room() < e.style.leading && !flow.is_fresh() {
                flow.new_page();
            }
            if let Some(line) = e.labels.get(i) {
                put_line(
                    &mut flow.ops,
                    line,
                    e.style,
                    label_x,
                    label_width,
                    Align::Right,
                    flow.y,
                );
            }
            if let Some(line) = e.values.get(i) {
                put_line(
                    &mut flow.ops,
                    line,
                    e.style,
                    label_left,
                    value_width,
                    Align::Right,
                    flow.y,
                );
            }
            flow.y += e.style.leading;
        }
    }
}

fn draw_notes(flow: &mut Flow, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    flow.y += 14.0;
    for paragraph in notes {
        for line in wrap_in(paragraph, NOTE, CONTENT_WIDTH) {
            if flow.room() < NOTE.leading && !flow.is_fresh() {
                flow.new_page();
            }
            put_line(
                &mut flow.ops,
                &line,
                NOTE,
                LEFT,
                CONTENT_WIDTH,
                Align::Left,
                flow.y,
            );
            flow.y += NOTE.leading;
        }
        flow.y += 5.0;
    }
}

/// The foot of every page: the legal line on the left, "Page n of m" on the right.
struct Footer {
    lines: Vec<Vec<u8>>,
    height: f32,
}

impl Footer {
    fn new(text: &str) -> Self {
        let reserve = FOOTER.font.width(b"Page 00000 of 00000", FOOTER.size) + 12.0;
        let lines = if text.trim().is_empty() {
            Vec::new()
        } else {
            wrap_in(text, FOOTER, CONTENT_WIDTH - reserve)
        };
        let height = lines.len().max(1) as f32 * FOOTER.leading;
        Self { lines, height }
    }

    fn top(&self) -> f32 {
        PAGE_HEIGHT - MARGIN - self.height
    }

    fn draw(&self, ops: &mut Vec<Op>, page: usize, pages: usize) {
        let top = self.top();
        ops.push(Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y: top - 4.0,
            width: 0.5,
            gray: 0.75,
        });
        put_lines(
            ops,
            &self.lines,
            FOOTER,
            LEFT,
            CONTENT_WIDTH,
            Align::Left,
            top,
        );
        let label = format!("Page {page} of {pages}");
        put_line(
            ops,
            label.as_bytes(),
            FOOTER,
            LEFT,
            CONTENT_WIDTH,
            Align::Right,
            top,
        );
    }
}

/// The first page's head: issuer, title and number, recipient, facts. Returns where the
/// body starts.
fn draw_head(ops: &mut Vec<Op>, doc: &BusinessDocument) -> f32 {
    let left_width = CONTENT_WIDTH * 0.52;
    let right_width = CONTENT_WIDTH * 0.45;
    let right_x = RIGHT - right_width;
    let issuer_bottom = put_party(
        ops,
        &doc.issuer,
        (ISSUER_NAME, ISSUER_LINE),
        LEFT,
        left_width,
        MARGIN,
    );

    let mut title_bottom = MARGIN;
    let title = wrap_in(&doc.title, TITLE, right_width);
    title_bottom += put_lines(
        ops,
        &title,
        TITLE,
        right_x,
        right_width,
        Align::Right,
        MARGIN,
    );
    let number = wrap_in(&doc.number, NUMBER, right_width);
    title_bottom += put_lines(
        ops,
        &number,
        NUMBER,
        right_x,
        right_width,
        Align::Right,
        title_bottom,
    );

    let recipient_top = RECIPIENT_TOP.max(issuer_bottom + 10.0);
    let recipient_bottom = put_party(
        ops,
        &doc.recipient,
        (PARTY_NAME, PARTY_LINE),
        LEFT,
        RECIPIENT_WIDTH,
        recipient_top,
    );
    let meta_top = recipient_top.max(title_bottom + 12.0);
    let meta_bottom = put_meta(ops, &doc.meta, META_LEFT, RIGHT - META_LEFT, meta_top);

    (recipient_bottom.max(meta_bottom) + mm(8.0)).max(BODY_TOP_MIN)
}

/// Lays the whole document out; every page gets its footer once the page count is known.
pub(crate) fn layout(doc: &BusinessDocument) -> Vec<Vec<Op>> {
    let footer = Footer::new(&doc.footer);
    let running_head = [doc.title.trim(), doc.number.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let running_head = if running_head.is_empty() {
        Vec::new()
    } else {
        wrap_in(&running_head, RUNNING_HEAD, CONTENT_WIDTH)
    };
    let mut ops = Vec::new();
    let body_top = draw_head(&mut ops, doc);
    let mut flow = Flow {
        done: Vec::new(),
        ops,
        y: body_top,
        bottom: footer.top() - 14.0,
        body_top: MARGIN,
        running_head,
    };
    // A head taller than the page (absurdly long addresses) still leaves the body a page.
    if flow.room() < 0.0 {
        flow.new_page();
    }
    let table = (!doc.columns.is_empty()).then(|| Table::new(&doc.columns));
    if let Some(table) = &table {
        table.draw_rows(&mut flow, &doc.rows);
        flow.y += 2.0;
    }
    draw_totals(&mut flow, &doc.totals, table.as_ref());
    draw_notes(&mut flow, &doc.notes);

    let mut pages = flow.finish();
    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        footer.draw(page, i + 1, count);
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rows: usize, description: &str) -> BusinessDocument {
        BusinessDocument {
            title: "Invoice".into(),
            number: "INV-1".into(),
            columns: vec![
                Column::left("Description", 6.0),
                Column::right("Qty", 1.0),
                Column::right("Amount", 2.0),
            ],
            rows: (0..rows)
                .map(|i| vec![format!("{description} {i}"), "1".into(), "9.99".into()])
                .collect(),
            totals: vec![("Total".into(), "99.90 EUR".into(), true)],
            footer: "Acme Ltd".into(),
            ..BusinessDocument::default()
        }
    }

    fn texts(page: &[Op]) -> Vec<&[u8]> {
        page.iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_slice()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn nothing_is_drawn_below_the_footer_line_or_outside_the_margins() {
        for page in layout(&doc(150, "Widget")) {
            for op in &page {
                if let Op::Text { x, baseline, .. } = op {
                    assert!(*x >= LEFT - 0.01 && *x < RIGHT, "{op:?}");
                    assert!(
                        *baseline > MARGIN && *baseline < PAGE_HEIGHT - MARGIN,
                        "{op:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_header_row_repeats_on_every_page_of_the_table() {
        let pages = layout(&doc(150, "Widget"));
        assert!(pages.len() > 2);
        for page in &pages {
            assert!(texts(page).contains(&&b"Description"[..]));
        }
    }

    #[test]
    fn right_aligned_cells_end_at_the_same_x() {
        let pages = layout(&doc(3, "Widget"));
        let ends: Vec<f32> = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    x,
                    text,
                    font,
                    size,
                    ..
                } if text == b"9.99" || text == b"Amount" => Some(x + font.width(text, *size)),
                _ => None,
            })
            .collect();
        assert_eq!(ends.len(), 4);
        for end in &ends {
            assert!((end - (RIGHT - CELL_PAD_X)).abs() < 0.01, "{ends:?}");
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_across_pages() {
        let long = "word ".repeat(4000);
        let pages = layout(&doc(1, &long));
        assert!(pages.len() >= 3, "{}", pages.len());
        for page in &pages {
            assert!(texts(page).contains(&&b"Description"[..]));
        }
    }

    #[test]
    fn column_widths_follow_the_weights_above_a_minimum() {
        let w = column_widths(&[Column::left("a", 3.0), Column::right("b", 1.0)]);
        assert!((w[0] - CONTENT_WIDTH * 0.75).abs() < 0.01);
        assert!((w[1] - CONTENT_WIDTH * 0.25).abs() < 0.01);
        // Zero, negative and NaN count as 1; a sliver gets the minimum, the rest share.
        let w = column_widths(&[
            Column::left("a", 0.0),
            Column::left("b", -2.0),
            Column::left("c", f32::NAN),
            Column::left("d", 0.001),
        ]);
        assert!((w[3] - 20.0).abs() < 0.01);
        assert!((w[0] - (CONTENT_WIDTH - 20.0) / 3.0).abs() < 0.01);
        assert!((w.iter().sum::<f32>() - CONTENT_WIDTH).abs() < 0.01);
        // More columns than fit at 20 pt: equal shares.
        let many: Vec<Column> = (0..40).map(|i| Column::left("x", i as f32)).collect();
        let w = column_widths(&many);
        assert!(w.iter().all(|w| (w - CONTENT_WIDTH / 40.0).abs() < 0.01));
    }

    #[test]
    fn a_giant_header_is_cut_and_rows_still_fit_on_pages() {
        let mut d = doc(60, "Widget");
        d.columns[1].header = "header ".repeat(300);
        d.columns[1].width = 0.01;
        let pages = layout(&d);
        for page in &pages {
            for op in page {
                if let Op::Text { baseline, .. } = op {
                    assert!(*baseline < PAGE_HEIGHT - MARGIN, "{op:?}");
                }
            }
        }
        let rows: usize = pages
            .iter()
            .map(|p| texts(p).iter().filter(|t| t.starts_with(b"Widget")).count())
            .sum();
        assert_eq!(rows, 60);
    }

    #[test]
    fn an_empty_document_is_one_page() {
        let pages = layout(&BusinessDocument::default());
        assert_eq!(pages.len(), 1);
        assert!(texts(&pages[0]).contains(&&b"Page 1 of 1"[..]));
    }
}
