//! Marketing SMS in mainland China carry how to opt out, and a reply of 退订 or TD opts the
//! number out. Messages are billed by segments: 70 characters in one, 67 in each of several.

/// What marketing SMS end with, by language.
pub fn opt_out_instruction(english: bool) -> &'static str {
    if english {
        "Reply TD to opt out"
    } else {
        "回复TD退订"
    }
}

/// A marketing SMS's text: the body, then how to opt out (once, even if the body says it already).
pub fn marketing_text(body: &str, english: bool) -> String {
    let instruction = opt_out_instruction(english);
    let body = body.trim_end();
    if body.ends_with(instruction) {
        return body.to_owned();
    }
    format!("{body} {instruction}")
}

/// Whether an inbound reply asks to opt out: 退订, TD, T or N (any case, full-width letters, with
/// spaces and punctuation around), alone or both (退订TD).
pub fn is_opt_out_reply(reply: &str) -> bool {
    let normal: String = reply
        .chars()
        .map(|c| match c {
            // Full-width ASCII (Ｔ, ｄ) as half-width.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !"。，！、；：“”‘’".contains(*c))
        .flat_map(char::to_uppercase)
        .collect();
    matches!(normal.as_str(), "退订" | "TD" | "T" | "N" | "退订TD" | "TD退订")
}

/// SMS segments a text is billed as (UCS-2: 70 characters alone, 67 each when split).
pub fn segments(text: &str) -> u32 {
    let chars = text.chars().count() as u32;
    match chars {
        0 => 0,
        1..=70 => 1,
        n => n.div_ceil(67),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketing_texts_end_with_the_opt_out_once() {
        assert_eq!(marketing_text("双十二特惠", false), "双十二特惠 回复TD退订");
        assert_eq!(marketing_text("双十二特惠 回复TD退订", false), "双十二特惠 回复TD退订");
        assert_eq!(marketing_text("Sale  ", true), "Sale Reply TD to opt out");
    }

    #[test]
    fn opt_out_replies_are_read_as_people_type_them() {
        for yes in ["退订", "TD", "td", " Td。", "ＴＤ", "t", "N", "退订TD", "TD 退订!"] {
            assert!(is_opt_out_reply(yes), "{yes}");
        }
        for no in ["", "好的", "TDX", "不要退订", "STOP please", "1"] {
            assert!(!is_opt_out_reply(no), "{no}");
        }
    }

    #[test]
    fn long_texts_are_billed_by_segment() {
        assert_eq!(segments(""), 0);
        assert_eq!(segments(&"字".repeat(70)), 1);
        assert_eq!(segments(&"字".repeat(71)), 2);
        assert_eq!(segments(&"字".repeat(134)), 2);
        assert_eq!(segments(&"字".repeat(135)), 3);
    }
}
