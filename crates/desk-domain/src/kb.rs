//! Knowledge-base vocabulary: the article workflow (declared as data), visibility, slugs and
//! the line diff between versions.

use serde::{Deserialize, Serialize};

use crate::ticket::wire_names;

/// Where an article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    InReview,
    Published,
    Archived,
}

/// Who may read an article once it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Anyone, without signing in.
    Public,
    /// Signed-in customers of the tenant (and staff).
    Customers,
    /// Staff only.
    Internal,
}

wire_names!(ArticleStatus { Draft => "draft", InReview => "in_review", Published => "published", Archived => "archived" });
wire_names!(Visibility { Public => "public", Customers => "customers", Internal => "internal" });

/// Which side of the review an editor is on: writers (kb:write) or publishers (kb:publish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    Writer,
    Publisher,
}

/// One allowed move of an article.
#[derive(Debug, Clone, Copy)]
pub struct ArticleTransition {
    pub from: ArticleStatus,
    pub to: ArticleStatus,
    pub by: &'static [Editor],
}

const W: &[Editor] = &[Editor::Writer, Editor::Publisher];
const P: &[Editor] = &[Editor::Publisher];

/// The workflow: writers draft and submit; publishers approve, reject, publish directly,
/// archive and revive.
pub const ARTICLE_TRANSITIONS: &[ArticleTransition] = &[
    ArticleTransition { from: ArticleStatus::Draft, to: ArticleStatus::InReview, by: W },
    ArticleTransition { from: ArticleStatus::InReview, to: ArticleStatus::Draft, by: W },
    ArticleTransition { from: ArticleStatus::InReview, to: ArticleStatus::Published, by: P },
    ArticleTransition { from: ArticleStatus::Draft, to: ArticleStatus::Published, by: P },
    ArticleTransition { from: ArticleStatus::Published, to: ArticleStatus::Archived, by: P },
    ArticleTransition { from: ArticleStatus::Published, to: ArticleStatus::Draft, by: P },
    ArticleTransition { from: ArticleStatus::Archived, to: ArticleStatus::Draft, by: P },
    ArticleTransition { from: ArticleStatus::Draft, to: ArticleStatus::Archived, by: P },
];

impl ArticleStatus {
    /// Where `editor` may move an article from `self`.
    pub fn next(self, editor: Editor) -> Vec<ArticleStatus> {
        ARTICLE_TRANSITIONS.iter().filter(|t| t.from == self && t.by.contains(&editor)).map(|t| t.to).collect()
    }

    /// Checks a move; the error names the allowed ones.
    pub fn check(self, to: ArticleStatus, editor: Editor) -> Result<(), String> {
        let allowed = self.next(editor);
        if allowed.contains(&to) {
            return Ok(());
        }
        let list: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(format!(
            "cannot move an article from {self} to {to}; allowed: {}",
            if list.is_empty() { "none".into() } else { list.join(", ") }
        ))
    }

    /// Whether a writer (not only a publisher) may change the content in this status.
    pub fn writer_may_edit(self) -> bool {
        matches!(self, ArticleStatus::Draft | ArticleStatus::InReview)
    }
}

/// A URL slug: lowercase ASCII letters and digits separated by single dashes, at most 80 chars.
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ß' => 's',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "article".to_owned()
    } else if RESERVED_SLUGS.contains(&out.as_str()) {
        format!("{out}-article")
    } else {
        out
    }
}

/// Names the help center uses for its own pages under `/kb/{tenant}/`, never article slugs.
pub const RESERVED_SLUGS: &[&str] = &["ask"];

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub op: &'static str,
    pub text: String,
}

/// A line diff (longest common subsequence) from `old` to `new`. Texts beyond 2,000 lines
/// are compared as a whole replacement, to bound the work.
#[allow(clippy::many_single_char_names)] // the textbook LCS names: a, b, n, m, i, j
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let line = |op, t: &str| DiffLine { op, text: t.to_owned() };
    if a.len() > 2000 || b.len() > 2000 {
        return a.iter().map(|t| line("removed", t)).chain(b.iter().map(|t| line("added", t))).collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(line("same", a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line("removed", a[i]));
            i += 1;
        } else {
            out.push(line("added", b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|t| line("removed", t)));
    out.extend(b[j..].iter().map(|t| line("added", t)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArticleStatus::*;
    use Editor::*;

    #[test]
    fn workflow_case_table() {
        let allowed: &[(ArticleStatus, ArticleStatus, &[Editor])] = &[
            (Draft, InReview, &[Writer, Publisher]),
            (InReview, Draft, &[Writer, Publisher]),
            (InReview, Published, &[Publisher]),
            (Draft, Published, &[Publisher]),
            (Published, Archived, &[Publisher]),
            (Published, Draft, &[Publisher]),
            (Archived, Draft, &[Publisher]),
            (Draft, Archived, &[Publisher]),
        ];
        for &from in ArticleStatus::ALL {
            for &to in ArticleStatus::ALL {
                for editor in [Writer, Publisher] {
                    let expect = allowed.iter().any(|(f, t, by)| *f == from && *t == to && by.contains(&editor));
                    assert_eq!(from.check(to, editor).is_ok(), expect, "{from} -> {to} by {editor:?}");
                }
            }
        }
        assert_eq!(
            Published.check(InReview, Writer).unwrap_err(),
            "cannot move an article from published to in_review; allowed: none"
        );
    }

    #[test]
    fn slugs() {
        for (title, slug) in [
            ("How to Reset Your Password", "how-to-reset-your-password"),
            ("  Café & Crème: Ünïcode!! ", "cafe-creme-unicode"),
            ("???", "article"),
            ("a--b", "a-b"),
            ("Ask", "ask-article"),
        ] {
            assert_eq!(slugify(title), slug);
        }
        assert!(slugify(&"x".repeat(500)).len() <= 80);
    }

    #[test]
    fn diff_marks_changes() {
        let d = diff_lines("a\nb\nc", "a\nB\nc\nd");
        let ops: Vec<(&str, &str)> = d.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(ops, [("same", "a"), ("removed", "b"), ("added", "B"), ("same", "c"), ("added", "d")]);
    }
}
