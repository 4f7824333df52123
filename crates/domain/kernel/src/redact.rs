//! Masks phone numbers and email addresses in free text before it is
//! logged: vendor error messages, refusal reasons and model errors can
//! echo what a caller said or where a message went, and logs are kept
//! longer and read by more people than the lead's record.
//!
//! `ana.diaz@example.com` → `a***@example.com` (the domain helps support;
//! the person is gone); a run of 7 or more digits, with the separators
//! people write between them (`+1 (312) 555-0100`), → `*` for every digit
//! but the last two. Shorter numbers (times, prices, ids' digit groups
//! broken by letters) are left alone.

/// `text` with every email address and phone-like digit run masked.
#[must_use]
pub fn mask_pii(text: &str) -> String {
    mask_phones(&mask_emails(text))
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut pending_start = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > pending_start && is_local_char(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain_char(chars[end]) {
                end += 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            if start < i && domain.contains('.') {
                out.extend(&chars[pending_start..start]);
                out.push(chars[start]);
                out.push_str("***@");
                out.push_str(&domain);
                pending_start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.extend(&chars[pending_start..]);
    out
}

fn mask_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            // The longest run of digits and the separators written between them.
            let mut end = i;
            let mut last_digit = i;
            while end < chars.len()
                && (chars[end].is_ascii_digit() || matches!(chars[end], ' ' | '-' | '.' | '(' | ')' | '+'))
            {
                if chars[end].is_ascii_digit() {
                    last_digit = end;
                }
                end += 1;
            }
            let run = &chars[i..=last_digit];
            let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
            if digits >= 7 {
                let mut seen = 0;
                for &c in run {
                    if c.is_ascii_digit() {
                        seen += 1;
                        out.push(if seen > digits - 2 { c } else { '*' });
                    } else {
                        out.push(c);
                    }
                }
            } else {
                out.extend(run);
            }
            i = last_digit + 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask_pii;
    use proptest::prelude::*;

    #[test]
    fn phones_and_emails_are_masked_and_the_rest_is_kept() {
        assert_eq!(
            mask_pii("to +1 (312) 555-0100 and ana.diaz@example.com: unsubscribed"),
            "to +* (***) ***-**00 and a***@example.com: unsubscribed"
        );
        assert_eq!(mask_pii("+13125550100"), "+*********00");
        assert_eq!(mask_pii("at 10:30 for $250, room 12, code 123456"), "at 10:30 for $250, room 12, code 123456");
        assert_eq!(mask_pii("no @ here, a@b, x@y.z"), "no @ here, a@b, x***@y.z");
        assert_eq!(mask_pii("ünïcode 📞 5550100123 ok"), "ünïcode 📞 ********23 ok");
    }

    proptest! {
        #[test]
        fn no_number_or_address_survives(
            local in "[a-z][a-z0-9._]{0,10}", domain in "[a-z]{1,8}\\.(com|org|co\\.uk)",
            digits in "[0-9]{7,15}", before in "[a-zA-Z ,:]{0,20}", after in "[a-zA-Z ,:]{0,20}",
        ) {
            let email = format!("{local}@{domain}");
            let text = format!("{before} {email} {after} +{digits} {after}");
            let masked = mask_pii(&text);
            prop_assert!(!masked.contains(&email), "{masked}");
            prop_assert!(!masked.contains(&digits), "{masked}");
            prop_assert!(!masked.contains(&digits[..digits.len() - 2]), "{masked}");
            prop_assert!(masked.contains(&domain));
        }

        #[test]
        fn masking_never_panics_and_keeps_text_without_pii(text in "\\PC{0,80}") {
            let masked = mask_pii(&text);
            if !text.contains('@') && text.chars().filter(char::is_ascii_digit).count() < 7 {
                prop_assert_eq!(masked, text);
            }
        }
    }
}
