//! `fora.toml`: the same settings as the environment, as a flat TOML table
//! (`FORA_BIND = "0.0.0.0:3000"`, `FORA_MAIL_CONCURRENCY = 8`). The environment wins over the
//! file. An unknown name is refused rather than ignored, so a typo never silently leaves a
//! default in place.

use std::{collections::HashMap, path::Path};

use anyhow::{Context, bail};

/// The settings of the file at `path`, as text; none if there is no such file.
pub fn read(path: &Path, known: &[&str]) -> anyhow::Result<HashMap<String, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    parse(&text, known).with_context(|| format!("in {}", path.display()))
}

pub fn parse(text: &str, known: &[&str]) -> anyhow::Result<HashMap<String, String>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut values = HashMap::new();
    for (key, value) in table {
        if !known.contains(&key.as_str()) {
            bail!(
                "unknown setting {key:?}; the settings are the environment variables listed in \
                 the README (e.g. FORA_BIND)"
            );
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            other => bail!(
                "{key} must be a string, number or true/false, not a {}",
                other.type_str()
            ),
        };
        values.insert(key, text);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["FORA_BIND", "FORA_MAIL_CONCURRENCY", "FORA_TRUST_PROXY"];

    #[test]
    fn strings_numbers_and_booleans_are_read() {
        let values = parse(
            "# comment\nFORA_BIND = \"0.0.0.0:3000\"\nFORA_MAIL_CONCURRENCY = 8\nFORA_TRUST_PROXY = true\n",
            KNOWN,
        )
        .unwrap();
        assert_eq!(values["FORA_BIND"], "0.0.0.0:3000");
        assert_eq!(values["FORA_MAIL_CONCURRENCY"], "8");
        assert_eq!(values["FORA_TRUST_PROXY"], "true");
    }

    #[test]
    fn typos_tables_and_broken_syntax_are_refused() {
        let typo = parse("FORA_BINDD = \"x\"", KNOWN).unwrap_err();
        assert!(typo.to_string().contains("FORA_BINDD"), "{typo}");
        let table = parse("[FORA_BIND]\nx = 1", KNOWN).unwrap_err();
        assert!(table.to_string().contains("FORA_BIND"), "{table}");
        assert!(parse("FORA_BIND = \"unterminated", KNOWN).is_err());
        // The old line format's single-quoted or bare values are not TOML either.
        assert!(parse("FORA_BIND = 0.0.0.0:3000", KNOWN).is_err());
    }

    #[test]
    fn a_missing_file_is_no_settings() {
        let values = read(Path::new("/nonexistent/fora.toml"), KNOWN).unwrap();
        assert!(values.is_empty());
    }
}
