//! The laid-out pages written as a PDF file with `pdf-writer`: one content stream a page,
//! deflate-compressed, and the two base-14 fonts with WinAnsiEncoding and their widths.

use chrono::Datelike;
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH};
use super::metrics::Font;
use super::BusinessDocument;

fn resource_name(font: Font) -> Name<'static> {
    match font {
        Font::Regular => Name(b"F1"),
        Font::Bold => Name(b"F2"),
    }
}

fn content_stream(ops: &[Op]) -> Vec<u8> {
    let mut c = Content::new();
    for op in ops {
        match op {
            Op::Text {
                x,
                baseline,
                font,
                size,
                gray,
                text,
            } => {
                c.begin_text();
                c.set_fill_gray(*gray);
                c.set_font(resource_name(*font), *size);
                c.next_line(*x, PAGE_HEIGHT - baseline);
                c.show(Str(text));
                c.end_text();
            }
            Op::Rule {
                x1,
                x2,
                y,
                width,
                gray,
            } => {
                c.set_stroke_gray(*gray);
                c.set_line_width(*width);
                c.move_to(*x1, PAGE_HEIGHT - y);
                c.line_to(*x2, PAGE_HEIGHT - y);
                c.stroke();
            }
            Op::Fill {
                x,
                y,
                width,
                height,
                gray,
            } => {
                c.set_fill_gray(*gray);
                c.rect(*x, PAGE_HEIGHT - y - height, *width, *height);
                c.fill_nonzero();
            }
        }
    }
    c.finish().into_vec()
}

fn pdf_date(date: chrono::NaiveDate) -> Date {
    // Date clamps each field to its range; a year before 0 becomes 0.
    let year = u16::try_from(date.year().max(0)).unwrap_or(u16::MAX);
    Date::new(year)
        .month(date.month() as u8)
        .day(date.day() as u8)
}

pub(crate) fn write(doc: &BusinessDocument, pages: &[Vec<Op>]) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let font_ids = [(Font::Regular, Ref::new(4)), (Font::Bold, Ref::new(5))];
    let mut next = Ref::new(6);
    let page_ids: Vec<(Ref, Ref)> = pages
        .iter()
        .map(|_| {
            let page = next.bump();
            let content = next.bump();
            (page, content)
        })
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));

    for ((page_id, content_id), ops) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree_id);
        page.contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in font_ids {
            fonts.pair(resource_name(font), id);
        }
        fonts.finish();
        resources.finish();
        page.finish();

        let content = miniz_oxide::deflate::compress_to_vec_zlib(&content_stream(ops), 6);
        pdf.stream(*content_id, &content)
            .filter(Filter::FlateDecode);
    }

    for (font, id) in font_ids {
        pdf.type1_font(id)
            .base_font(Name(font.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"))
            .first_char(32)
            .last_char(255)
            .widths(font.widths().iter().map(|&w| f32::from(w)));
    }

    let title = [doc.title.trim(), doc.number.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut info = pdf.document_info(info_id);
    if !title.is_empty() {
        info.title(TextStr(&title));
    }
    let author = doc.issuer.heading.trim();
    if !author.is_empty() {
        info.author(TextStr(author));
    }
    info.producer(TextStr("Steward"));
    if let Some(date) = doc.creation_date {
        info.creation_date(pdf_date(date));
    }
    info.finish();

    pdf.finish()
}
