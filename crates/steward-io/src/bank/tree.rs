//! A small element tree that both markup readers build (OFX by its own tokenizer, CAMT from
//! quick-xml's events), with the line each element starts on and path look-ups.

use super::StatementError;

/// Deeper nesting is refused: no statement needs it, and a bound keeps a hostile file from
/// building a tree whose recursive drop would overflow the stack.
pub(crate) const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Element {
    /// Local name (no namespace prefix); OFX names in upper case.
    pub name: String,
    /// 1-based line of the start tag.
    pub line: usize,
    /// Attributes by local name, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// The text directly inside, entities resolved, untrimmed.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub(crate) fn new(name: String, line: usize) -> Element {
        Element {
            name,
            line,
            ..Element::default()
        }
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first element down `path` (first match at each step).
    pub(crate) fn get(&self, path: &[&str]) -> Option<&Element> {
        let mut e = self;
        for p in path {
            e = e.child(p)?;
        }
        Some(e)
    }

    /// The trimmed text down `path`, `None` when missing or blank.
    pub(crate) fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.get(path).and_then(Element::value)
    }

    /// The trimmed text, `None` when blank.
    pub(crate) fn value(&self) -> Option<&str> {
        let t = self.text.trim();
        (!t.is_empty()).then_some(t)
    }

    /// An attribute's value.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant with one of `names`, not looking inside a match (depth-first, file
    /// order). The depth is bounded by [`MAX_DEPTH`], so is the recursion.
    pub(crate) fn find_all<'a>(&'a self, names: &[&str], out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if names.contains(&c.name.as_str()) {
                out.push(c);
            } else {
                c.find_all(names, out);
            }
        }
    }

    /// The element down `path`, or an error naming what is missing, on this element's line.
    pub(crate) fn require(&self, path: &[&str]) -> Result<&Element, StatementError> {
        let mut e = self;
        for (i, p) in path.iter().enumerate() {
            e = e.child(p).ok_or_else(|| self.missing(&path[..=i]))?;
        }
        Ok(e)
    }

    /// The trimmed text down `path`, or an error naming what is missing or empty.
    pub(crate) fn require_text(&self, path: &[&str]) -> Result<&str, StatementError> {
        let e = self.require(path)?;
        e.value().ok_or_else(|| {
            StatementError::new(
                e.line,
                Some(&path.join("/")),
                format!("{} is empty", e.name),
            )
        })
    }

    pub(crate) fn missing(&self, path: &[&str]) -> StatementError {
        let joined = path.join("/");
        StatementError::new(
            self.line,
            Some(&joined),
            format!("{} has no {joined}", self.name),
        )
    }
}
