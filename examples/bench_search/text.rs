//! Generated text: a word-pair chain over the corpus, with topic phrases and place names.

use std::collections::HashSet;

use crate::{
    corpus::{Corpus, ends_sentence},
    rng::{Rng, Weighted},
    shape::{GENERAL_PHRASES, intervention_phrases, sector_phrases, theme_phrases},
};

/// A learning's topic: what the phrases woven into its text are about.
pub struct Topic<'a> {
    pub sector: Option<&'a str>,
    pub intervention: Option<&'a str>,
    pub themes: Vec<&'a str>,
}

pub struct TextGen<'a> {
    pub corpus: &'a Corpus,
    /// Place names: the long tail of the vocabulary.
    pub places: Weighted<String>,
}

pub fn place_names(count: usize, rng: &mut Rng) -> Vec<String> {
    const FIRST: &[&str] = &[
        "ka", "ki", "mb", "ny", "ta", "bo", "sa", "ma", "lu", "ko", "da", "ga", "ba", "na", "pa",
        "tu", "wa", "so", "ha", "ri", "ch", "za", "ke", "mo", "je",
    ];
    const MIDDLE: &[&str] = &[
        "ra", "ni", "la", "wa", "si", "ta", "ku", "mbo", "nde", "ya", "ri", "go", "le", "ma", "pu",
        "te", "zi", "do", "an", "el",
    ];
    const LAST: &[&str] = &[
        "ni", "ra", "po", "ma", "ngo", "li", "ba", "pur", "abad", "ganj", "sso", "ta", "tenango",
        "ville", "kro", "ama", "ala", "ina", "um", "o",
    ];
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(count);
    while names.len() < count {
        let mut name = rng.pick(FIRST).to_string();
        for _ in 0..rng.range(0, 2) {
            name.push_str(rng.pick::<&str>(MIDDLE));
        }
        name.push_str(rng.pick::<&str>(LAST));
        if seen.insert(name.clone()) {
            let mut chars = name.chars();
            let first = chars.next().expect("a letter").to_uppercase();
            names.push(first.chain(chars).collect());
        }
    }
    names
}

impl TextGen<'_> {
    fn phrase(&self, topic: &Topic, rng: &mut Rng) -> &'static str {
        let roll = rng.below(10);
        match (roll, topic.sector, topic.intervention) {
            (0..=3, Some(s), _) => rng.pick::<&str>(sector_phrases(s)),
            (4..=6, _, Some(i)) => rng.pick::<&str>(intervention_phrases(i)),
            (7..=8, _, _) if !topic.themes.is_empty() => {
                let theme = *rng.pick(&topic.themes);
                rng.pick::<&str>(theme_phrases(theme))
            }
            _ => rng.pick::<&str>(GENERAL_PHRASES),
        }
    }

    /// One sentence of at most `max_words` words, with topic phrases and place names woven in.
    fn sentence(&self, topic: &Topic, max_words: usize, out: &mut Vec<String>, rng: &mut Rng) {
        let corpus = self.corpus;
        let mut current = *rng.pick(&corpus.starts);
        let start = out.len();
        out.push(corpus.tokens[current as usize].clone());
        while out.len() - start < max_words {
            let roll = rng.f64();
            if roll < 0.05 {
                out.extend(self.phrase(topic, rng).split(' ').map(str::to_string));
                continue;
            }
            if roll < 0.065 {
                out.push(self.places.pick(rng).clone());
                continue;
            }
            if roll < 0.075 {
                out.push(match rng.below(3) {
                    0 => rng.range(2, 600).to_string(),
                    1 => format!("{}%", rng.range(5, 95)),
                    _ => rng.range(2000, 2025).to_string(),
                });
                continue;
            }
            // Mostly the chain; sometimes a jump to a word drawn by its corpus frequency.
            let next = if roll < 0.155 {
                Some(rng.below(corpus.tokens.len()) as u32)
            } else {
                corpus.next_token(current, rng)
            };
            let Some(next) = next else { break };
            current = next;
            let token = &corpus.tokens[current as usize];
            if ends_sentence(token) {
                if out.len() - start >= 6 {
                    out.push(token.clone());
                    return;
                }
                out.push(token.trim_end_matches(['.', '!', '?']).to_string());
            } else {
                out.push(token.clone());
            }
        }
        if let Some(last) = out.last_mut() {
            let trimmed = last.trim_end_matches([',', ';', ':', '.']).to_string();
            *last = format!("{trimmed}.");
        }
    }

    pub fn description(&self, topic: &Topic, rng: &mut Rng) -> String {
        let target = rng.range(40, 120);
        let mut words: Vec<String> = Vec::with_capacity(target + 40);
        let mut paragraph_breaks = Vec::new();
        while words.len() < target {
            let room = (target - words.len()).max(8);
            self.sentence(topic, room.min(rng.range(12, 32)), &mut words, rng);
            if words.len() > 60 && paragraph_breaks.is_empty() && rng.chance(0.3) {
                paragraph_breaks.push(words.len());
            }
        }
        let mut text = String::with_capacity(words.len() * 7);
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                text.push_str(if paragraph_breaks.contains(&i) {
                    "\n\n"
                } else {
                    " "
                });
            }
            text.push_str(word);
        }
        capitalize(&text)
    }

    pub fn title(&self, topic: &Topic, rng: &mut Rng) -> String {
        let mut words = Vec::new();
        let phrase = self.phrase(topic, rng);
        words.extend(phrase.split(' ').map(str::to_string));
        let mut rest = Vec::new();
        self.sentence(topic, rng.range(5, 11), &mut rest, rng);
        let glue = rng.pick(&["and", "in", "for", "through", "with", ":"]);
        if *glue == ":" {
            if let Some(last) = words.last_mut() {
                last.push(':');
            }
        } else {
            words.push(glue.to_string());
        }
        words.extend(rest.into_iter().map(|w| w.to_lowercase()));
        let title = words.join(" ");
        capitalize(title.trim_end_matches(['.', ',', ';', ':']))
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
