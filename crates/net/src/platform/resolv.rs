//! Parser for the `search` and `domain` lines of resolv.conf(5).

use std::path::Path;

/// Returns the search suffixes of a resolv.conf text, in order.
pub fn parse_search_domains(text: &str) -> Vec<String> {
    let mut suffixes = Vec::new();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or_default();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("search") | Some("domain") => suffixes.extend(words.map(str::to_owned)),
            _ => {}
        }
    }
    suffixes
}

/// Reads the search suffixes of a resolv.conf file.
pub fn read_search_domains(path: &Path) -> std::io::Result<Vec<String>> {
    Ok(parse_search_domains(&std::fs::read_to_string(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_reads_search_and_domain() {
        let text = "# generated\nnameserver 192.0.2.53\nsearch corp.example.com lab.example.com\n\
                    domain example.org ; old style\noptions edns0\n";
        assert_eq!(
            parse_search_domains(text),
            vec!["corp.example.com", "lab.example.com", "example.org"]
        );
    }

    #[test]
    fn resolv_ignores_comments_and_other_keys() {
        let text = "#search hidden.example\nnameserver 198.51.100.53\nsearchx nope\n";
        assert!(parse_search_domains(text).is_empty());
    }

    #[test]
    fn resolv_reads_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resolv.conf");
        std::fs::write(&path, "search corp.example.com\n").unwrap();
        assert_eq!(
            read_search_domains(&path).unwrap(),
            vec!["corp.example.com"]
        );
    }
}
