//! The BM25 statistics of one search, each looked up once. The question is weighed in two
//! forms over the same words (walked and read by seeking, `filters::Filtered`), and a word's
//! document frequency is a term dictionary lookup in every segment.

use std::{cell::RefCell, collections::HashMap};

use tantivy::{Term, query::Bm25StatisticsProvider, schema::Field};

pub struct Remembered<'a> {
    looked_up: &'a dyn Bm25StatisticsProvider,
    doc_freqs: RefCell<HashMap<Term, u64>>,
    tokens: RefCell<HashMap<Field, u64>>,
}

impl<'a> Remembered<'a> {
    pub fn new(looked_up: &'a dyn Bm25StatisticsProvider) -> Remembered<'a> {
        Remembered {
            looked_up,
            doc_freqs: RefCell::default(),
            tokens: RefCell::default(),
        }
    }
}

impl Bm25StatisticsProvider for Remembered<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(tokens) = self.tokens.borrow().get(&field) {
            return Ok(*tokens);
        }
        let tokens = self.looked_up.total_num_tokens(field)?;
        self.tokens.borrow_mut().insert(field, tokens);
        Ok(tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.looked_up.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(found) = self.doc_freqs.borrow().get(term) {
            return Ok(*found);
        }
        let found = self.looked_up.doc_freq(term)?;
        self.doc_freqs.borrow_mut().insert(term.clone(), found);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use tantivy::schema::{Schema, TEXT};

    use super::*;

    /// Counts its lookups.
    #[derive(Default)]
    struct Counting {
        doc_freqs: Cell<u32>,
        tokens: Cell<u32>,
    }

    impl Bm25StatisticsProvider for Counting {
        fn total_num_tokens(&self, _: Field) -> tantivy::Result<u64> {
            self.tokens.set(self.tokens.get() + 1);
            Ok(100)
        }

        fn total_num_docs(&self) -> tantivy::Result<u64> {
            Ok(10)
        }

        fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
            self.doc_freqs.set(self.doc_freqs.get() + 1);
            Ok(term.serialized_value_bytes().len() as u64)
        }
    }

    #[test]
    fn each_statistic_is_looked_up_once() {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("text", TEXT);
        let counting = Counting::default();
        let remembered = Remembered::new(&counting);
        let child = Term::from_field_text(field, "child");
        let labour = Term::from_field_text(field, "labour");
        for _ in 0..3 {
            assert_eq!(remembered.doc_freq(&child).unwrap(), 5);
            assert_eq!(remembered.doc_freq(&labour).unwrap(), 6);
            assert_eq!(remembered.total_num_tokens(field).unwrap(), 100);
        }
        assert_eq!(counting.doc_freqs.get(), 2);
        assert_eq!(counting.tokens.get(), 1);
        assert_eq!(remembered.total_num_docs().unwrap(), 10);
    }
}
