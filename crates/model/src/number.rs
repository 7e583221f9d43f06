//! Telephone numbers as a trunk delivers them.

/// Normalise a called or calling number so that `+39 800 264760`,
/// `0039800264760`, `800264760`, `tel:+39-800-264760` and
/// `+39800264760;phone-context=…` all compare equal (`800264760`).
///
/// Rules: drop a `tel:`/`sip:` scheme and anything from `;` or `@`; keep
/// digits, `*` and `#` (visual separators `space - . ( )` go); then drop the
/// Italian country code written as `+39` or `0039`. Other international
/// numbers keep their `+` and country code (`+41…`, from `0041…`), so they
/// never collide with national ones.
pub fn normalize_number(raw: &str) -> String {
    let mut s = raw.trim();
    for scheme in ["tel:", "sip:", "sips:"] {
        if s.len() >= scheme.len() && s[..scheme.len()].eq_ignore_ascii_case(scheme) {
            s = &s[scheme.len()..];
        }
    }
    let end = s.find([';', '@']).unwrap_or(s.len());
    let s = &s[..end];
    let mut out = String::with_capacity(s.len());
    let mut plus = false;
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' | '*' | '#' => out.push(c),
            '+' if i == 0 || out.is_empty() => plus = true,
            _ => {}
        }
    }
    if plus {
        if let Some(rest) = out.strip_prefix("39") {
            return rest.to_string();
        }
        return format!("+{out}");
    }
    if let Some(intl) = out.strip_prefix("00") {
        if let Some(rest) = intl.strip_prefix("39") {
            return rest.to_string();
        }
        if !intl.is_empty() {
            return format!("+{intl}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_number as n;

    #[test]
    fn italian_forms_compare_equal() {
        for raw in [
            "+39 800 264760",
            "0039800264760",
            "800264760",
            "800 264760",
            "tel:+39-800-264760",
            "+39800264760;phone-context=+39",
            "sip:+39800264760@trunk.example",
        ] {
            assert_eq!(n(raw), "800264760", "{raw}");
        }
        assert_eq!(n("+39 0461 497300"), "0461497300");
        assert_eq!(n("0039 0461 497300"), "0461497300");
        assert_eq!(n("0461/497300"), "0461497300");
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(n("+41 22 1234567"), "+41221234567");
        assert_eq!(n("0041 22 1234567"), "+41221234567");
        assert_eq!(n("*11"), "*11");
        assert_eq!(n(""), "");
    }
}
