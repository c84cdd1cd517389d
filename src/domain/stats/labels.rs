//! The publication's words: taxonomy labels in German and English, from the same table the
//! report form shows its questions with (`labels.json`, imported by `web/src/i18n.js` too).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Deserialize)]
struct Field {
    title: [String; 2],
    values: HashMap<String, [String; 2]>,
}

#[derive(Deserialize)]
struct Labels {
    fields: HashMap<String, Field>,
    no_answer: [String; 2],
    total: [String; 2],
}

fn labels() -> &'static Labels {
    static LABELS: OnceLock<Labels> = OnceLock::new();
    // The file is part of the source and parsed by a test; a broken one never ships.
    LABELS.get_or_init(|| {
        serde_json::from_str(include_str!("labels.json"))
            .expect("src/domain/stats/labels.json parses")
    })
}

/// A table's heading for a dimension: `[German, English]`.
pub fn title(field: &str) -> [String; 2] {
    labels()
        .fields
        .get(field)
        .map(|f| f.title.clone())
        .unwrap_or_else(|| [field.to_owned(), field.to_owned()])
}

/// A category in words: `[German, English]`. Codes the table does not know stay as they are.
pub fn value(field: &str, value: &str) -> [String; 2] {
    if value == super::NO_ANSWER {
        return labels().no_answer.clone();
    }
    labels()
        .fields
        .get(field)
        .and_then(|f| f.values.get(value))
        .cloned()
        .unwrap_or_else(|| [value.to_owned(), value.to_owned()])
}

/// "gesamt" / "total".
pub fn total() -> [String; 2] {
    labels().total.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::taxonomy::{FIELDS, LAENDER, SIZE_CLASSES};

    #[test]
    fn every_code_has_words_in_both_languages() {
        for f in FIELDS {
            let [de, en] = title(f.name);
            assert!(de != f.name && en != f.name, "{}", f.name);
            for v in f.values {
                let [de, en] = value(f.name, v);
                assert!(de != *v && !en.is_empty(), "{}: {v}", f.name);
            }
        }
        for l in LAENDER {
            assert_ne!(value("land", l)[0], *l);
        }
        for s in SIZE_CLASSES {
            assert_ne!(value("size_class", s)[0], *s);
        }
        assert_eq!(value("setting", "no_answer")[1], "no answer");
    }
}
