//! Glyph widths of the two base-14 fonts the PDF writer uses, so that text can be measured
//! (for wrapping and right alignment) without embedding or parsing a font file.
//!
//! The numbers are the advance widths of Adobe's core font metrics (`Helvetica.afm` and
//! `Helvetica-Bold.afm`, version 003.001) in 1/1000 em, indexed by WinAnsiEncoding code
//! minus 32. Codes WinAnsiEncoding leaves undefined (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D)
//! are 0: the encoder never produces them. Kerning is not applied, neither here nor when the
//! text is drawn, so measuring and drawing agree.

/// One of the two fonts a business document is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The base-14 font name written into the PDF.
    pub(crate) fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
        }
    }

    /// Widths for WinAnsi codes 32..=255, in 1/1000 em.
    pub(crate) fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }

    /// Advance width of one WinAnsi byte in 1/1000 em (0 for a control code).
    pub(crate) fn glyph_units(self, byte: u8) -> u32 {
        match byte.checked_sub(32) {
            Some(i) => u32::from(self.widths()[usize::from(i)]),
            None => 0,
        }
    }

    /// Advance width of WinAnsi-encoded text in 1/1000 em.
    pub(crate) fn units(self, text: &[u8]) -> u32 {
        text.iter().map(|&b| self.glyph_units(b)).sum()
    }

    /// Width of WinAnsi-encoded text in points at `size` points.
    pub(crate) fn width(self, text: &[u8], size: f32) -> f32 {
        self.units(text) as f32 * size / 1000.0
    }
}

pub(crate) const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xf0
];
pub(crate) const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xf0
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_in_helvetica_10pt_matches_the_afm() {
        // H 722 + e 556 + l 222 + l 222 + o 556 = 2278 units.
        assert_eq!(Font::Regular.units(b"Hello"), 2278);
        assert!((Font::Regular.width(b"Hello", 10.0) - 22.78).abs() < 1e-4);
        // Bold: H 722 + e 556 + l 278 + l 278 + o 611 = 2445 units.
        assert_eq!(Font::Bold.units(b"Hello"), 2445);
    }

    #[test]
    fn widths_of_a_few_landmark_glyphs() {
        let r = Font::Regular;
        assert_eq!(r.glyph_units(b' '), 278);
        assert_eq!(r.glyph_units(b'@'), 1015);
        assert_eq!(r.glyph_units(b'W'), 944);
        assert_eq!(r.glyph_units(0x80), 556); // Euro
        assert_eq!(r.glyph_units(0xE9), 556); // eacute
        assert_eq!(r.glyph_units(0xA0), 278); // no-break space is a space
        assert_eq!(Font::Bold.glyph_units(b'@'), 975);
        assert_eq!(r.glyph_units(b'\n'), 0);
        // Every digit is as wide as every other: columns of amounts line up.
        for d in b'0'..=b'9' {
            assert_eq!(r.glyph_units(d), 556);
            assert_eq!(Font::Bold.glyph_units(d), 556);
        }
    }
}
